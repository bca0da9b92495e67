-- Server-side state kept out of `public`, so Supabase's REST API never exposes it. The schema is
-- created here too (the server's runner makes it first for its ledger), so the files apply in
-- order with psql or the Supabase CLI alone.
create schema if not exists mockflow;

-- express-session rows (the table layout connect-pg-simple expects).
create table if not exists mockflow.sessions (
  sid varchar not null primary key,
  sess json not null,
  expire timestamp(6) not null
);
create index if not exists sessions_expire_idx on mockflow.sessions (expire);

-- Sign-in identities for databases without Supabase Auth: a Google subject (or the single
-- local account) always maps to the same auth.users id.
create table if not exists mockflow.identities (
  provider text not null,
  subject text not null,
  user_id uuid not null references auth.users (id) on delete cascade,
  created_at timestamptz not null default now(),
  primary key (provider, subject)
);
create index if not exists identities_user_id_idx on mockflow.identities (user_id);

revoke all on schema mockflow from public;
