// Steps of a text interview as a candidate takes them in the browser, shared by the browser tests.
import type { BrowserContext, Page } from 'playwright-core';
import { LLM_KEY } from '../interviews/helpers.ts';
import { saveKeysInPage } from './browser.ts';

export const ROOM_URL = /\/interviews\/([0-9a-f-]{36})\/room$/;

/** A local user's tab with text keys for the fake model at `llmUrl`; confirms are accepted. */
export async function signedInWithTextKeys(context: BrowserContext, appUrl: string, llmUrl: string): Promise<Page> {
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  page.on('dialog', (d) => void (d.type() === 'confirm' ? d.accept() : d.dismiss()));
  await page.goto(appUrl);
  await page.getByRole('button', { name: 'Continue as local user' }).click();
  await page.waitForURL(/\/dashboard$/);
  await saveKeysInPage(page, { openai_key: LLM_KEY, llm_base_url: llmUrl, llm_model: 'fake-model' });
  return page;
}

/** Fills the start form for a text interview and starts it; resolves in its room with the interview's id. */
export async function startTextInterview(page: Page, appUrl: string): Promise<string> {
  await page.goto(`${appUrl}/interviews/new`);
  await page.getByLabel('Your name').fill('Sam Rivera');
  await page.getByLabel('Target role').fill('Backend Engineer');
  await page.getByLabel('Experience level').selectOption('senior');
  await page.locator('input[name="mode"][value="text"]').check();
  await page.getByRole('button', { name: 'Start interview' }).click();
  await page.waitForURL(ROOM_URL);
  return ROOM_URL.exec(page.url())![1]!;
}
