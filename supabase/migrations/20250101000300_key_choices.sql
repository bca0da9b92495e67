-- Provider choices beside the sealed keys (none of these is secret), and when each key was
-- last saved, so the settings page can say "saved 3 days ago" per key.
alter table public.user_api_keys add column if not exists llm_base_url text;
alter table public.user_api_keys add column if not exists llm_model text;
alter table public.user_api_keys add column if not exists tts_provider text not null default 'openai';
alter table public.user_api_keys add column if not exists key_updated_at jsonb not null default '{}'::jsonb;

do $$
begin
  if not exists (select 1 from pg_constraint where conname = 'user_api_keys_tts_provider_check') then
    alter table public.user_api_keys
      add constraint user_api_keys_tts_provider_check check (tts_provider in ('openai', 'deepgram'));
  end if;
end
$$;
