import { existsSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import { Resvg } from '@resvg/resvg-js';
import { WebClient } from '@slack/web-api';
import {
  CHART_HEIGHT,
  CHART_WIDTH,
  STACK_ORDER,
  findingsPerDayAltText,
  findingsPerDayGeometry,
  findingsPerDaySvg,
} from '../../src/charts/findings-per-day';
import { CHART_PNG_SCALE, chartFontOptions, renderFindingsPerDayPng, renderSvgPng } from '../../src/charts/render-png';
import { lastDays, type DayBandCount, type DayBandCounts } from '../../src/domain/daily-counts';
import { SEVERITY_BANDS, type SeverityBand } from '../../src/domain/severity';
import { ChartUploadCache, ChartUploadError, chartImageBlock, uploadChart } from '../../src/slack/chart-upload';
import { SlackStandIn } from '../../support/helpers/slack-stand-in';

const NOW = Date.parse('2026-11-30T15:30:00Z');
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function day(date: string, counts: Partial<Record<SeverityBand, number>>): DayBandCounts {
  return { date, counts: { low: 0, medium: 0, high: 0, critical: 0, ...counts } };
}

/** A fortnight with a different mix of bands each day, some days empty. */
function fortnight(): DayBandCounts[] {
  const found: DayBandCount[] = [];
  for (let i = 0; i < 14; i++) {
    if (i % 5 === 4) continue;
    const date = new Date(NOW - i * 86_400_000).toISOString().slice(0, 10);
    found.push(
      { date, band: 'critical', count: i % 3 },
      { date, band: 'high', count: (i * 7) % 11 },
      { date, band: 'medium', count: (i * 5) % 9 },
      { date, band: 'low', count: i % 4 },
    );
  }
  return lastDays(NOW, 14, found);
}

interface SvgRect {
  date: string;
  band: string;
  count: number;
  y: number;
  height: number;
}

/** The bar rectangles as drawn in the SVG text (not the geometry object the SVG was built from). */
function svgBars(svg: string): SvgRect[] {
  return [...svg.matchAll(/<rect ([^>]*data-band="[^"]*"[^>]*)\/>/g)].map((m) => {
    const attr = (name: string) => m[1]?.match(new RegExp(`${name}="([^"]*)"`))?.[1] ?? '';
    return {
      date: attr('data-date'),
      band: attr('data-band'),
      count: Number(attr('data-count')),
      y: Number(attr(' y')),
      height: Number(attr('height')),
    };
  });
}

function svgTexts(svg: string): string[] {
  return [...svg.matchAll(/<text [^>]*>([^<]*)<\/text>/g)].map((m) => m[1] ?? '');
}

interface Png {
  width: number;
  height: number;
  /** RGBA, row after row. */
  pixels: Buffer;
}

/** Enough of a PNG decoder for resvg's output: IHDR, the IDAT stream, 8-bit RGBA with the five row filters. */
function decodePng(png: Buffer): Png {
  expect(png.subarray(0, 8)).toEqual(PNG_SIGNATURE);
  let at = 8;
  let width = 0;
  let height = 0;
  const idat: Buffer[] = [];
  while (at < png.length) {
    const length = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    const data = png.subarray(at + 8, at + 8 + length);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      expect([data[8], data[9]]).toEqual([8, 6]); // 8 bits per channel, RGBA
    }
    if (type === 'IDAT') idat.push(data);
    at += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * 4;
  const pixels = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    for (let x = 0; x < stride; x++) {
      const v = raw[y * (stride + 1) + 1 + x] ?? 0;
      const a = x >= 4 ? (pixels[y * stride + x - 4] ?? 0) : 0;
      const b = y > 0 ? (pixels[(y - 1) * stride + x] ?? 0) : 0;
      const c = x >= 4 && y > 0 ? (pixels[(y - 1) * stride + x - 4] ?? 0) : 0;
      let pred = 0;
      if (filter === 1) pred = a;
      else if (filter === 2) pred = b;
      else if (filter === 3) pred = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
        pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      pixels[y * stride + x] = (v + pred) & 0xff;
    }
  }
  return { width, height, pixels };
}

/** Pixels in an area (in SVG units) that are clearly darker than the white background. */
function darkPixels(png: Png, area: { x: number; y: number; width: number; height: number }): number {
  let n = 0;
  const s = CHART_PNG_SCALE;
  for (let y = area.y * s; y < (area.y + area.height) * s; y++) {
    for (let x = area.x * s; x < (area.x + area.width) * s; x++) {
      const i = (y * png.width + x) * 4;
      const lum = ((png.pixels[i] ?? 0) + (png.pixels[i + 1] ?? 0) + (png.pixels[i + 2] ?? 0)) / 3;
      if (lum < 128) n++;
    }
  }
  return n;
}

const TITLE_AREA = { x: 16, y: 12, width: 500, height: 26 };

describe('lastDays', () => {
  test('the last N UTC dates ending today, oldest first, zeros filled in, regions added up, others left out', () => {
    const days = lastDays(NOW, 14, [
      { date: '2026-11-30', band: 'high', count: 3 },
      { date: '2026-11-30', band: 'high', count: 2 }, // the same day in another region
      { date: '2026-11-17', band: 'critical', count: 1 },
      { date: '2026-11-16', band: 'critical', count: 50 }, // before the window
      { date: '2026-12-01', band: 'low', count: 50 }, // after it
      { date: '2026-11-20', band: 'low', count: -1 },
      { date: '2026-11-20', band: 'low', count: 1.5 },
      { date: 'yesterday', band: 'low', count: 7 },
    ]);
    expect(days.map((d) => d.date)).toEqual(Array.from({ length: 14 }, (_, i) => `2026-11-${String(17 + i).padStart(2, '0')}`));
    expect(days[13]?.counts).toEqual({ low: 0, medium: 0, high: 5, critical: 0 });
    expect(days[0]?.counts).toEqual({ low: 0, medium: 0, high: 0, critical: 1 });
    expect(days.slice(1, 13).every((d) => SEVERITY_BANDS.every((b) => d.counts[b] === 0))).toBe(true);
  });

  test('a window across a month and year end', () => {
    const days = lastDays(Date.parse('2027-01-02T00:00:00Z'), 4, []);
    expect(days.map((d) => d.date)).toEqual(['2026-12-30', '2026-12-31', '2027-01-01', '2027-01-02']);
  });
});

describe('findingsPerDaySvg', () => {
  test('each bar is as tall as its count on the y scale, stacked from the axis in band order', () => {
    const days = fortnight();
    const svg = findingsPerDaySvg(days);
    const g = findingsPerDayGeometry(days);
    const plotHeight = g.plot.bottom - g.plot.top;
    const bars = svgBars(svg);
    const expected = days.flatMap((d) =>
      SEVERITY_BANDS.filter((b) => d.counts[b] > 0).map((b) => ({ date: d.date, band: b, count: d.counts[b] })),
    );
    expect(bars.map(({ date, band, count }) => ({ date, band, count })).sort(byKey)).toEqual(expected.sort(byKey));
    for (const bar of bars) {
      // The height read back on the scale is the count.
      expect((bar.height / plotHeight) * g.yMax).toBeCloseTo(bar.count, 1);
    }
    for (const d of days) {
      const stack = STACK_ORDER.map((b) => bars.find((r) => r.date === d.date && r.band === b)).filter((r): r is SvgRect => !!r);
      let bottom = g.plot.bottom;
      for (const r of stack) {
        expect(r.y + r.height).toBeCloseTo(bottom, 1);
        bottom = r.y;
      }
    }
    // The y scale's top tick is at the top of the plot, labelled with yMax, and covers the busiest day.
    const busiest = Math.max(...days.map((d) => SEVERITY_BANDS.reduce((n, b) => n + d.counts[b], 0)));
    expect(g.yMax).toBeGreaterThanOrEqual(busiest);
    expect(g.ticks[g.ticks.length - 1]).toEqual({ value: g.yMax, y: g.plot.top, label: String(g.yMax) });
    expect(svgTexts(svg)).toEqual(expect.arrayContaining(g.ticks.map((t) => t.label)));
  });

  test('days without findings draw no bar; a fortnight without any says so', () => {
    const days = fortnight();
    const empty = days.filter((d) => SEVERITY_BANDS.every((b) => d.counts[b] === 0));
    expect(empty.length).toBeGreaterThan(0);
    const bars = svgBars(findingsPerDaySvg(days));
    for (const d of empty) expect(bars.filter((b) => b.date === d.date)).toEqual([]);
    // Every day is labelled, empty or not.
    expect(svgTexts(findingsPerDaySvg(days))).toEqual(expect.arrayContaining(['Nov 17', 'Nov 30', 'Mon', 'Tue']));

    const none = lastDays(NOW, 14, []);
    const svg = findingsPerDaySvg(none);
    expect(svgBars(svg)).toEqual([]);
    expect(svgTexts(svg)).toContain('No findings in these 14 days');
    expect(findingsPerDayGeometry(none).ticks.map((t) => t.label)).toEqual(['0', '1', '2', '3', '4', '5']);
    expect(findingsPerDayAltText(none)).toBe('Findings per day, last 14 days (2026-11-17 to 2026-11-30, UTC): no findings.');
  });

  test('a day with 10,000 findings keeps a readable scale: few round ticks in one short unit, small days still labelled', () => {
    const days = lastDays(NOW, 14, [
      { date: '2026-11-28', band: 'high', count: 10_000 },
      { date: '2026-11-27', band: 'critical', count: 3 },
    ]);
    const g = findingsPerDayGeometry(days);
    const values = g.ticks.map((t) => t.value);
    expect(values.length).toBeLessThanOrEqual(6);
    const step = (values[1] ?? 0) - (values[0] ?? 0);
    expect(values.every((v, i) => v === i * step)).toBe(true);
    expect([1, 2, 5]).toContain(step / 10 ** Math.floor(Math.log10(step)));
    expect(g.yMax).toBeGreaterThanOrEqual(10_000);
    expect(g.yMax).toBeLessThan(10_000 + step);
    expect(g.ticks.map((t) => t.label)).toEqual(['0', '2k', '4k', '6k', '8k', '10k']);
    const texts = svgTexts(findingsPerDaySvg(days));
    // Totals above the bars: the small day is readable as a number even though its bar is a sliver.
    expect(texts).toEqual(expect.arrayContaining(['10k', '3', 'High 10k', 'Critical 3']));
    const tall = svgBars(findingsPerDaySvg(days)).find((b) => b.count === 10_000);
    expect(tall?.height).toBeCloseTo(g.plot.bottom - g.plot.top, 1);
  });

  test('every text is escaped for XML', () => {
    const svg = findingsPerDaySvg(fortnight(), `<script>alert("x")</script> & 'quotes'`);
    expect(svg).not.toContain('<script');
    expect(svg).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &apos;quotes&apos;');
    // resvg parses it (it throws on malformed XML).
    expect(() => new Resvg(svg, { font: chartFontOptions() })).not.toThrow();
  });

  test('the alt text gives the numbers', () => {
    const days = [day('2026-11-29', { high: 20, critical: 1 }), day('2026-11-30', { high: 11, critical: 3, low: 2 })];
    expect(findingsPerDayAltText(days)).toBe(
      'Findings per day, last 2 days (2026-11-29 to 2026-11-30, UTC): 4 critical, 31 high, 0 medium, 2 low; 37 in all, most on 2026-11-29 (21).',
    );
  });
});

describe('renderFindingsPerDayPng', () => {
  test('a PNG of the declared size', () => {
    const png = renderFindingsPerDayPng(fortnight());
    expect(png.subarray(0, 8)).toEqual(PNG_SIGNATURE);
    expect(png.toString('latin1', 12, 16)).toBe('IHDR');
    expect(png.readUInt32BE(16)).toBe(CHART_WIDTH * CHART_PNG_SCALE);
    expect(png.readUInt32BE(20)).toBe(CHART_HEIGHT * CHART_PNG_SCALE);
  });

  test('text is drawn with the fonts npm ships, and no system font is loaded', () => {
    const fonts = chartFontOptions();
    expect(fonts.loadSystemFonts).toBe(false);
    for (const file of fonts.fontFiles ?? []) {
      expect(file).toMatch(/node_modules\/dejavu-fonts-ttf\/ttf\/DejaVuSans(-Bold)?\.ttf$/);
      expect(existsSync(file)).toBe(true);
    }
    const days = lastDays(NOW, 14, []);
    const png = decodePng(renderFindingsPerDayPng(days));
    expect(png.width).toBe(CHART_WIDTH * CHART_PNG_SCALE);
    // The title is drawn: thousands of dark pixels where it stands, none in an empty stretch of the plot.
    expect(darkPixels(png, TITLE_AREA)).toBeGreaterThan(2000);
    expect(darkPixels(png, { x: 100, y: 100, width: 200, height: 60 })).toBe(0);
    // Control: the same SVG with no font files (and no system fonts) draws no text at all, so the text above
    // came from the npm fonts.
    const bare = new Resvg(findingsPerDaySvg(days), {
      font: { loadSystemFonts: false, fontFiles: [] },
      fitTo: { mode: 'zoom', value: CHART_PNG_SCALE },
      logLevel: 'off',
    });
    expect(darkPixels(decodePng(bare.render().asPng()), TITLE_AREA)).toBe(0);
    // And the bars are there in the PNG: the critical colour at the foot of a day with critical findings.
    const busy = decodePng(renderSvgPng(findingsPerDaySvg([day('2026-11-30', { critical: 5 })])));
    const g = findingsPerDayGeometry([day('2026-11-30', { critical: 5 })]);
    const bar = g.bars[0];
    if (!bar) throw new Error('no bar');
    const i =
      (Math.round((bar.y + bar.height / 2) * CHART_PNG_SCALE) * busy.width + Math.round((bar.x + bar.width / 2) * CHART_PNG_SCALE)) * 4;
    expect([...busy.pixels.subarray(i, i + 3)]).toEqual([0xdd, 0x2e, 0x44]);
  });
});

describe('uploadChart against the Slack stand-in', () => {
  let slack: SlackStandIn;
  let client: WebClient;
  beforeAll(async () => {
    slack = await new SlackStandIn().start();
    client = new WebClient('xoxb-test-token-0000', { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
  });
  afterAll(async () => {
    await slack.close();
  });

  test('uploads the bytes through the upload URL and returns the completed file ID, shared nowhere', async () => {
    const png = renderFindingsPerDayPng(fortnight());
    const id = await uploadChart(client, png, { filename: 'findings.png', title: 'Findings per day', altText: 'alt' });
    const upload = slack.uploads.get(id);
    expect(upload).toMatchObject({
      filename: 'findings.png',
      length: png.length,
      altText: 'alt',
      completed: true,
      title: 'Findings per day',
    });
    expect(upload?.bytes?.equals(png)).toBe(true);
    expect(upload?.channelId).toBeUndefined();
    expect(slack.callsTo('files.getUploadURLExternal')).toHaveLength(1);
    expect(slack.callsTo('files.completeUploadExternal')[0]?.body.files).toEqual([{ id, title: 'Findings per day' }]);
  });

  test('into a thread when asked', async () => {
    const id = await uploadChart(client, renderFindingsPerDayPng(fortnight()), {
      filename: 'weekly.png',
      title: 'Weekly',
      altText: 'alt',
      channelId: 'C0FIND0001',
      threadTs: '1795000000.000100',
    });
    expect(slack.uploads.get(id)).toMatchObject({ completed: true, channelId: 'C0FIND0001', threadTs: '1795000000.000100' });
  });

  test('a missing scope is a ChartUploadError that says which scope, without the upload URL or the token', async () => {
    slack.handlers.set('files.getUploadURLExternal', () => ({
      ok: false,
      error: 'missing_scope',
      needed: 'files:write',
      provided: 'chat:write',
    }));
    try {
      const err = await uploadChart(client, renderFindingsPerDayPng(fortnight()), { filename: 'x.png', title: 'x', altText: 'x' }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ChartUploadError);
      expect(err).toMatchObject({ code: 'CHART_UPLOAD_FAILED', reason: 'missing_scope' });
      expect((err as Error).message).toBe(
        "Slack refused the upload: missing_scope (the app needs the files:write scope: add it to the app's bot scopes and reinstall the app).",
      );
    } finally {
      slack.handlers.delete('files.getUploadURLExternal');
    }
  });

  test('an upload URL that refuses the bytes is a ChartUploadError naming no URL', async () => {
    slack.handlers.set('files.getUploadURLExternal', () => ({
      ok: true,
      upload_url: `${slack.apiUrl.replace('/api/', '')}/upload/F0UNKNOWN1?secret=s3cr3t`,
      file_id: 'F0UNKNOWN1',
    }));
    try {
      const err = await uploadChart(client, renderFindingsPerDayPng(fortnight()), { filename: 'x.png', title: 'x', altText: 'x' }).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(err).toBeInstanceOf(ChartUploadError);
      expect(err?.message).not.toMatch(/http|s3cr3t|xoxb/);
    } finally {
      slack.handlers.delete('files.getUploadURLExternal');
    }
  });

  test('chartImageBlock shows the file by ID with the alt text cut to Slack’s limit', () => {
    expect(chartImageBlock('F0CHART0001', 'Findings per day')).toEqual({
      type: 'image',
      slack_file: { id: 'F0CHART0001' },
      alt_text: 'Findings per day',
    });
    expect(chartImageBlock('F0CHART0001', 'x'.repeat(3000)).alt_text).toHaveLength(2000);
  });
});

function byKey(a: { date: string; band: string }, b: { date: string; band: string }): number {
  return `${a.date}${a.band}`.localeCompare(`${b.date}${b.band}`);
}

describe('ChartUploadCache', () => {
  const HOUR = 3_600_000;
  const T = Date.parse('2026-11-30T10:15:00Z');

  test('one upload per hour and set of numbers, shared by concurrent asks; new numbers or a new hour upload again', async () => {
    const cache = new ChartUploadCache(60_000);
    let uploads = 0;
    const upload = async () => `F0CHART${String(++uploads).padStart(4, '0')}`;
    const a = fortnight();
    const [first, second] = await Promise.all([cache.fileFor(a, T, upload), cache.fileFor(a, T + 1000, upload)]);
    expect(first).toEqual({ fileId: 'F0CHART0001' });
    expect(second).toEqual(first);
    expect(await cache.fileFor(structuredClone(a), T + 40 * 60_000, upload)).toEqual(first);
    const b = structuredClone(a);
    b[13] = day(b[13]?.date ?? '', { high: 99 });
    expect(await cache.fileFor(b, T + 40 * 60_000, upload)).toEqual({ fileId: 'F0CHART0002' });
    expect(await cache.fileFor(a, T + HOUR, upload)).toEqual({ fileId: 'F0CHART0003' });
    expect(uploads).toBe(3);
  });

  test('a failure is remembered for the retry interval, then tried again', async () => {
    const cache = new ChartUploadCache(60_000);
    let attempts = 0;
    const failing = async (): Promise<string> => {
      attempts++;
      throw Object.assign(new Error('An API error occurred: missing_scope'), {
        code: 'slack_webapi_platform_error',
        data: { ok: false, error: 'missing_scope', needed: 'files:write' },
      });
    };
    const out = await cache.fileFor(fortnight(), T, failing);
    expect('error' in out && out.error.reason).toBe('missing_scope');
    await cache.fileFor(fortnight(), T + 59_000, failing);
    expect(attempts).toBe(1);
    expect(await cache.fileFor(fortnight(), T + 60_000, async () => 'F0CHART0009')).toEqual({ fileId: 'F0CHART0009' });
    expect(attempts).toBe(1);
  });
});
