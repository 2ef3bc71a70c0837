import { render } from 'preact';
import { browser } from 'wxt/browser';
import { Options } from '@/components/options/Options';
import '@/components/shared/ui.css';

document.documentElement.lang = browser.i18n.getUILanguage();
render(<Options />, document.getElementById('app')!);
