// Finding the page's elements, and dates in the reader's time zone.

/** The element the server's page always has; a missing one is a bug in the page, said at once. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`The page has no #${id}.`);
  return el as T;
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '';
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** Rewrites the server's UTC dates (`<time data-local>`) in the reader's time zone. */
export function localizeTimes(root: ParentNode): void {
  for (const el of root.querySelectorAll('time[data-local]')) el.textContent = formatDate(el.getAttribute('datetime'));
}
