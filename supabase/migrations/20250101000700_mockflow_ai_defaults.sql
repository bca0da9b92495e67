-- A database made with the Python original's (MockFlow-AI) deployment guide has interviews whose
-- interview_date is NOT NULL with no default, and conversation, total_messages, skipped_stages,
-- has_resume and has_jd with no default: this server's inserts leave them out, so there they
-- failed or started as NULL. The defaults below are the ones 20250101000100 gives a fresh
-- database, where this file changes nothing. Stored rows are not touched; undo with
-- `alter table public.interviews alter column <column> drop default`.
alter table public.interviews alter column interview_date set default now();
alter table public.interviews alter column conversation set default '[]'::jsonb;
alter table public.interviews alter column total_messages set default '{}'::jsonb;
alter table public.interviews alter column skipped_stages set default '{}';
alter table public.interviews alter column has_resume set default false;
alter table public.interviews alter column has_jd set default false;
alter table public.interviews alter column created_at set default now();
alter table public.feedback alter column created_at set default now();
