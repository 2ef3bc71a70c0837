import { render } from 'preact';
import { browser } from 'wxt/browser';
import { Popup } from '@/components/Popup';
import '@/components/ui.css';

document.documentElement.lang = browser.i18n.getUILanguage();
render(<Popup />, document.getElementById('app')!);
