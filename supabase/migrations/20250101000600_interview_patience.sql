-- How long the interviewer waited for the end of an answer in a voice interview, as the candidate
-- chose it at the start ('quick', 'normal', 'patient'; agent/protocol.ts has the seconds).
alter table public.interviews add column if not exists patience text not null default 'normal';

do $$
begin
  if not exists (select 1 from pg_constraint where conname = 'interviews_patience_check') then
    alter table public.interviews
      add constraint interviews_patience_check check (patience in ('quick', 'normal', 'patient'));
  end if;
end
$$;
