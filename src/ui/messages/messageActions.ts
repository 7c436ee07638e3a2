/** What the user can do with the page's messages: close the alert, close a notice. */
import type { LabStore } from '../shared/labStore';
import { errorsDismissed, noticeDismissed } from './messagesState';

export interface MessageActions {
  dismissErrors(): void;
  dismissNotice(id: number): void;
}

export function createMessageActions(store: LabStore): MessageActions {
  return {
    dismissErrors() {
      const { problems } = store.getState().form;
      store.update('messages', (messages) => errorsDismissed(messages, problems), { urgent: true });
    },
    dismissNotice(id) {
      store.update('messages', (messages) => noticeDismissed(messages, id), { urgent: true });
    },
  };
}
