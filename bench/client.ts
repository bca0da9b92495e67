// The benchmarks' HTTP client, a small cookie-keeping one that behaves like a browser tab: it
// stores cookies, follows redirects only when asked, and fetches the CSRF token the way the pages
// do. Plain fetch, so that the times measured stay comparable with earlier runs (the tests use
// supertest: test/helpers/session.ts).

export interface Reply {
  status: number;
  headers: Headers;
  location?: string;
  text: string;
  json<T = any>(): T;
}

export class Client {
  readonly cookies = new Map<string, string>();
  /** Sent with every request (e.g. x-forwarded-proto to stand behind an HTTPS proxy). */
  readonly defaultHeaders: Record<string, string> = {};

  constructor(readonly base: string) {}

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async request(method: string, path: string, init: { json?: unknown; form?: Record<string, string>; headers?: Record<string, string>; body?: BodyInit } = {}): Promise<Reply> {
    const url = path.startsWith('http') ? path : `${this.base}${path}`;
    const headers: Record<string, string> = { accept: 'text/html', ...this.defaultHeaders, ...init.headers };
    let body = init.body;
    if (init.json !== undefined) {
      headers['content-type'] = 'application/json';
      headers.accept = 'application/json';
      body = JSON.stringify(init.json);
    } else if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    }
    if (url.startsWith(this.base) && this.cookies.size > 0) headers.cookie = this.cookieHeader();
    const res = await fetch(url, { method, headers, body, redirect: 'manual' });
    if (url.startsWith(this.base)) {
      for (const line of res.headers.getSetCookie()) {
        const [pair] = line.split(';');
        const [name, ...value] = pair!.split('=');
        if (/expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(name!.trim());
        else this.cookies.set(name!.trim(), value.join('='));
      }
    }
    const text = await res.text();
    return {
      status: res.status,
      headers: res.headers,
      location: res.headers.get('location') ?? undefined,
      text,
      json: () => JSON.parse(text),
    };
  }

  get(path: string, headers?: Record<string, string>) {
    return this.request('GET', path, { headers });
  }

  /** GET following redirects (across hosts, as a browser would) until a non-redirect answer. */
  async follow(path: string, max = 10): Promise<Reply & { url: string }> {
    let url = path.startsWith('http') ? path : `${this.base}${path}`;
    for (let i = 0; i < max; i++) {
      const reply = await this.request('GET', url);
      if (reply.status < 300 || reply.status >= 400 || !reply.location) return { ...reply, url };
      url = new URL(reply.location, url).toString();
    }
    throw new Error(`too many redirects from ${path}`);
  }

  async csrf(): Promise<string> {
    return (await this.request('GET', '/api/csrf', { headers: { accept: 'application/json' } })).json<{ token: string }>().token;
  }

  /** JSON request with the session's CSRF token, as the pages' scripts send it. */
  async api(method: string, path: string, json?: unknown): Promise<Reply> {
    const token = await this.csrf();
    return this.request(method, path, { json: json ?? {}, headers: { 'x-csrf-token': token, accept: 'application/json' } });
  }

  /** Form post with the session's CSRF token in the hidden field. */
  async submit(path: string, form: Record<string, string> = {}): Promise<Reply> {
    return this.request('POST', path, { form: { _csrf: await this.csrf(), ...form } });
  }

  async signInLocally(): Promise<void> {
    const reply = await this.submit('/auth/local');
    if (reply.status !== 302) throw new Error(`local sign-in answered ${reply.status}: ${reply.text}`);
  }
}
