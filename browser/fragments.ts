// Parts of a page the server renders again on request (its templates escape every string), so
// each piece of markup has one definition: views/partials.

/** The HTML of a server-rendered fragment; throws when the server does not answer 200. */
export async function fetchHtml(path: string): Promise<string> {
  const response = await fetch(path, { credentials: 'same-origin', headers: { accept: 'text/html' } });
  if (!response.ok) throw new Error(`The server answered ${response.status}.`);
  return response.text();
}

/** Replaces `target`'s content with the fragment at `path`. */
export async function swapInHtml(target: Element, path: string): Promise<void> {
  target.innerHTML = await fetchHtml(path);
}
