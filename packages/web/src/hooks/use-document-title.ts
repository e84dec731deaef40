import { useEffect } from 'react';

/** Sets the tab title, so history, bookmarks and screen readers name the page. */
export function useDocumentTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · Slipway`;
  }, [title]);
}
