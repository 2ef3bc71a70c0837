import { render } from 'preact';
import { browser } from 'wxt/browser';
import { Popup } from '@/components/Popup';
import { prefetchAccounts } from '@/components/AccountList';
import '@/components/ui.css';

document.documentElement.lang = browser.i18n.getUILanguage();
prefetchAccounts();
render(<Popup />, document.getElementById('app')!);
