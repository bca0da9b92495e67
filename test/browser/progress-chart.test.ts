// The dashboard's progress chart as a candidate with several roles and same-day interviews sees
// it: no two points read the same, one line per role, axis text readable on a phone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { localUserId, seedInterview } from '../web/seed.ts';
import { HAS_CHROMIUM, sharedBrowser, overflowingElements, screenshot, seriousA11yViolations } from './browser.ts';

const WIDTHS = [360, 1280] as const;
const HOUR = 3_600_000;
/** 09:00 UTC: the first day's three interviews (09:00, 11:00, 14:00 UTC) stay on 1 Dec in India (+5:30), the reader's zone here. */
const DAY_ONE = Date.parse('2026-12-01T09:00:00Z');

describe.skipIf(!HAS_CHROMIUM)('in a real browser: the progress chart', () => {
  let browser: Browser;
  let app: TestApp;

  beforeAll(async () => {
    [browser, app] = await Promise.all([sharedBrowser(), startTestApp()]);
    const userId = await localUserId(app.db);
    const seeds = [
      { jobRole: 'Backend Engineer', startedAt: DAY_ONE, feedback: 2 },
      { jobRole: 'Data Analyst', startedAt: DAY_ONE + 2 * HOUR, feedback: 4 },
      { jobRole: 'Backend Engineer', startedAt: DAY_ONE + 5 * HOUR, feedback: 3 },
      { jobRole: 'Backend Engineer', startedAt: DAY_ONE + 48 * HOUR, feedback: 4 },
      { jobRole: 'Data Analyst', startedAt: DAY_ONE + 72 * HOUR, feedback: 5 },
    ];
    for (const seed of seeds) await seedInterview(app.db, userId, seed);
  });
  afterAll(async () => {
    await app?.close();
  });

  it.each(WIDTHS)('labels same-day interviews apart, draws a line per role, and keeps axis text at 13 px (%i px)', async (width) => {
    const context = await browser.newContext({ viewport: { width, height: width < 500 ? 740 : 900 }, locale: 'en-US', timezoneId: 'Asia/Kolkata' });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(app.url);
    await page.getByRole('button', { name: 'Continue as local user' }).click();
    await page.waitForURL(/\/dashboard$/);
    const chart = page.getByRole('img', { name: /Overall score over time/ });
    await chart.waitFor();

    // Every point says its role, date and score, and no two say the same: the first day's three
    // carry their times in the reader's zone, the days seen once do not.
    const titles = await chart.locator('circle.chart-point title').allTextContents();
    expect(titles).toHaveLength(5);
    expect(new Set(titles).size).toBe(5);
    expect(titles).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^Backend Engineer, Dec 1, 2:30\sPM: 2 out of 5$/),
        expect.stringMatching(/^Data Analyst, Dec 1, 4:30\sPM: 4 out of 5$/),
        expect.stringMatching(/^Backend Engineer, Dec 1, 7:30\sPM: 3 out of 5$/),
        'Backend Engineer, Dec 3: 4 out of 5',
        'Data Analyst, Dec 4: 5 out of 5',
      ]),
    );
    const dates = await chart.locator('text.chart-date').allTextContents();
    expect(dates).toHaveLength(2);
    expect(dates[0]).toMatch(/^Dec 1, 2:30\sPM$/);
    expect(dates[1]).toBe('Dec 4');

    // A line per role, through that role's points only, and a legend naming them.
    const lines = chart.locator('g.chart-role');
    expect(await lines.count()).toBe(2);
    expect(await lines.nth(0).locator('circle').evaluateAll((cs) => cs.map((c) => c.getAttribute('data-role')))).toEqual(['Backend Engineer', 'Backend Engineer', 'Backend Engineer']);
    expect(await lines.nth(1).locator('circle').evaluateAll((cs) => cs.map((c) => c.getAttribute('data-role')))).toEqual(['Data Analyst', 'Data Analyst']);
    const strokes = await lines.locator('polyline').evaluateAll((ps) => ps.map((p) => `${getComputedStyle(p).stroke} ${getComputedStyle(p).strokeDasharray}`));
    expect(new Set(strokes).size).toBe(2);
    expect(await page.getByRole('list', { name: 'Roles' }).getByRole('listitem').allTextContents()).toEqual(['Backend Engineer', 'Data Analyst']);

    // Axis text as it lands on the screen: its font size times the chart's scale.
    const sizes = await chart.locator('text.chart-axis').evaluateAll((texts) =>
      texts.map((t) => parseFloat(getComputedStyle(t).fontSize) * (t as SVGTextElement).getScreenCTM()!.a),
    );
    expect(sizes).toHaveLength(7);
    for (const px of sizes) expect(px).toBeCloseTo(13, 0);
    // The two dates do not run into each other.
    const boxes = await chart.locator('text.chart-date').evaluateAll((ts) => ts.map((t) => t.getBoundingClientRect()).map((b) => ({ left: b.left, right: b.right })));
    expect(boxes[0]!.right).toBeLessThan(boxes[1]!.left);

    expect(await seriousA11yViolations(page)).toEqual([]);
    expect(await overflowingElements(page)).toEqual([]);
    await screenshot(page, `progress-chart-${width}`);
    expect(errors).toEqual([]);
    await context.close();
  });
});
