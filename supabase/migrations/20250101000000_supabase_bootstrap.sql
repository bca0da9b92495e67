-- What Supabase provides, created only where it is absent, so the same migrations run on
-- Supabase, on plain PostgreSQL 15+ and on PGlite. On Supabase every statement here is a no-op.

-- Roles are cluster-wide: another database on the same server may create them at the same
-- moment, hence the duplicate_object handlers.
do $$
begin
  if not exists (select 1 from pg_roles where rolname = 'anon') then
    begin
      create role anon nologin noinherit;
    exception when duplicate_object or unique_violation then null;
    end;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'authenticated') then
    begin
      create role authenticated nologin noinherit;
    exception when duplicate_object or unique_violation then null;
    end;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'service_role') then
    begin
      create role service_role nologin noinherit bypassrls;
    exception
      when duplicate_object or unique_violation then null;
      when insufficient_privilege then create role service_role nologin noinherit;
    end;
  end if;
end
$$;

-- The connecting role must be able to SET ROLE to these (a superuser always can).
do $$
declare
  r text;
begin
  foreach r in array array['anon', 'authenticated', 'service_role'] loop
    if not pg_has_role(current_user, r, 'member') then
      begin
        execute format('grant %I to %I', r, current_user);
      exception when insufficient_privilege then
        raise warning 'cannot grant role % to %: SET ROLE will fail', r, current_user;
      end;
    end if;
  end loop;
end
$$;

-- Each object is created only when missing, checked before the statement runs: on Supabase the
-- connecting role may not create anything in `auth` (not even `create … if not exists`, which
-- checks the privilege first), and may not grant on what Supabase Auth owns.
do $$
begin
  if not exists (select 1 from pg_namespace where nspname = 'auth') then
    create schema auth;
  end if;

  if to_regclass('auth.users') is null then
    create table auth.users (
      id uuid primary key default gen_random_uuid(),
      email text,
      raw_user_meta_data jsonb not null default '{}'::jsonb,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
  end if;

  if to_regprocedure('auth.uid()') is null then
    -- Same definition as Supabase's: the `sub` claim of the request's JWT, or null.
    create function auth.uid() returns uuid
      language sql stable
      as $fn$
        select coalesce(
          nullif(current_setting('request.jwt.claim.sub', true), ''),
          nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub'
        )::uuid
      $fn$;
  end if;
end
$$;

do $$
declare
  r text;
begin
  foreach r in array array['anon', 'authenticated', 'service_role'] loop
    if not has_schema_privilege(r, 'auth', 'usage') then
      execute format('grant usage on schema auth to %I', r);
    end if;
    if not has_function_privilege(r, 'auth.uid()', 'execute') then
      execute format('grant execute on function auth.uid() to %I', r);
    end if;
    if not has_schema_privilege(r, 'public', 'usage') then
      execute format('grant usage on schema public to %I', r);
    end if;
  end loop;
end
$$;
