import { Resvg, type ResvgRenderOptions } from '@resvg/resvg-js';
import type { DayBandCounts } from '../domain/daily-counts';
import { CHART_FONT_FAMILY, findingsPerDaySvg } from './findings-per-day';

/** The PNG has this many pixels per SVG unit, so the chart stays sharp on high-density screens. */
export const CHART_PNG_SCALE = 2;

/** Fonts shipped by npm (dejavu-fonts-ttf): the chart looks the same on every host, and no system font is read. */
export function chartFontOptions(): NonNullable<ResvgRenderOptions['font']> {
  return {
    loadSystemFonts: false,
    fontFiles: [require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf'), require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf')],
    defaultFontFamily: CHART_FONT_FAMILY,
    sansSerifFamily: CHART_FONT_FAMILY,
  };
}

/** An SVG drawn as a PNG with the chart fonts only, at `scale` pixels per unit. */
export function renderSvgPng(svg: string, scale = CHART_PNG_SCALE): Buffer {
  const resvg = new Resvg(svg, { font: chartFontOptions(), fitTo: { mode: 'zoom', value: scale }, logLevel: 'off' });
  return resvg.render().asPng();
}

export function renderFindingsPerDayPng(days: DayBandCounts[], title?: string): Buffer {
  return renderSvgPng(findingsPerDaySvg(days, title));
}
