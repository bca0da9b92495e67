// Interview history: filter as you type and delete with confirmation. The results (count, cards,
// pager) are the server's: views/partials/interview-results.eta, fetched again from
// GET /interviews/results and swapped in.
import { api, interviewPath } from '../api.ts';
import { byId, localizeTimes } from '../dom.ts';
import { fetchHtml } from '../fragments.ts';

const form = byId<HTMLFormElement>('filter-form');
const input = byId<HTMLInputElement>('filter-q');
const list = byId('interview-list');
const action = byId('list-action');

let query = input.value.trim();
let latest = 0;
let timer: ReturnType<typeof setTimeout> | undefined;

/** The page shown now (1 unless the URL says otherwise). */
function currentPage(): number {
  return Number(new URLSearchParams(window.location.search).get('page')) || 1;
}

/** Shows page `page` of the results for `query`; a later call wins over one still loading. */
async function load(page: number): Promise<void> {
  const mine = ++latest;
  const params = new URLSearchParams();
  if (query) params.set('q', query);
  if (page > 1) params.set('page', String(page));
  try {
    const html = await fetchHtml(`/interviews/results?${params}`);
    if (mine !== latest) return;
    const fresh = new DOMParser().parseFromString(html, 'text/html');
    // The status lines stay in place (and are read out): only their words change.
    byId('list-count').textContent = fresh.getElementById('list-count')?.textContent ?? '';
    for (const id of ['empty-state', 'interview-list', 'pager']) {
      const next = fresh.getElementById(id);
      if (!next) continue;
      const shown = byId(id);
      shown.replaceChildren(...Array.from(next.childNodes));
      shown.hidden = next.hidden;
    }
    localizeTimes(list);
    window.history.replaceState(null, '', fresh.getElementById('interview-list')?.dataset.href ?? '/interviews');
  } catch (error) {
    if (mine !== latest) return;
    action.textContent = (error as Error).message;
    action.dataset.state = 'bad';
  }
}

input.addEventListener('input', () => {
  clearTimeout(timer);
  timer = setTimeout(() => {
    query = input.value.trim();
    void load(1);
  }, 250);
});

form.addEventListener('submit', (event) => {
  event.preventDefault();
  clearTimeout(timer);
  query = input.value.trim();
  void load(1);
});

list.addEventListener('click', async (event) => {
  const button = (event.target as Element).closest<HTMLButtonElement>('button[data-delete]');
  if (!button) return;
  const row = button.closest('li')!;
  const role = row.querySelector('.interview-title a')?.textContent ?? '';
  const when = row.querySelector('time')?.textContent ?? '';
  if (!window.confirm(`Delete the ${role} interview of ${when}? Its transcript and feedback are deleted too. This cannot be undone.`)) return;
  button.disabled = true;
  action.dataset.state = 'busy';
  action.textContent = 'Deleting…';
  try {
    await api('DELETE', interviewPath(button.dataset.delete ?? ''));
  } catch (error) {
    button.disabled = false;
    action.dataset.state = 'bad';
    action.textContent = (error as Error).message;
    return;
  }
  const next = (row.nextElementSibling ?? row.previousElementSibling) as HTMLElement | null;
  row.remove();
  action.dataset.state = 'ok';
  action.textContent = `Deleted the ${role} interview.`;
  // The page again as the server has it now: the count, the pager and one more card from the next page.
  await load(currentPage());
  const nextLink = next?.dataset.id ? list.querySelector<HTMLElement>(`li[data-id="${CSS.escape(next.dataset.id)}"] a`) : null;
  (nextLink ?? list.querySelector<HTMLElement>('a') ?? input).focus();
});

localizeTimes(document);
