-- The speech endpoints are user settings too, like the language model's base URL: a Deepgram base
-- URL (self-hosted Deepgram), and an OpenAI-compatible speech server's base URL, model and voice
-- for the OpenAI voice. None of these is secret. tts_key is: a Fernet token, never plaintext, used
-- for the OpenAI voice in place of the language-model key.
alter table public.user_api_keys add column if not exists deepgram_base_url text;
alter table public.user_api_keys add column if not exists tts_base_url text;
alter table public.user_api_keys add column if not exists tts_model text;
alter table public.user_api_keys add column if not exists tts_voice text;
alter table public.user_api_keys add column if not exists tts_key text;
