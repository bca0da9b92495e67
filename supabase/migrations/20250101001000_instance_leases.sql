-- Which server process runs each live interview and each feedback generation, and whether that
-- process is still there: each holds a lease it renews. A starting process no longer ends every
-- live interview (during a deploy the old process still runs its own); only those of a process
-- whose lease ran out, or of none (rows from before this migration), are orphans.
create table if not exists public.mockflow_instances (
  id uuid primary key,
  started_at timestamptz not null default now(),
  renewed_at timestamptz not null default now(),
  -- Its interview slots as of its last renewal, for /health's view of every process.
  slots_max integer not null default 0,
  slots_used integer not null default 0
);
-- Only the server's own connection reads or writes it: no policy, so no user role can.
alter table public.mockflow_instances enable row level security;

alter table public.interviews add column if not exists instance_id uuid;
alter table public.interviews add column if not exists feedback_instance_id uuid;
