//! The story page's coverage chart: [`coverage_chart`] draws articles per outlet over time
//! as a stacked bar chart in an inline `<svg>`.
//!
//! Invariants: as for the parent module, markup enters only as `&'static str` literals and
//! every outlet name, label and number goes through the [`Html`] builder's escaping; no
//! script, no `style` attribute (colours are classes, with `fill` only as a fallback).

use super::{Html, human_time};
use chrono::{DateTime, Utc};

/// Series shown by name in the coverage chart; the rest are summed as "Other outlets".
const CHART_SERIES: usize = 7;
/// Fallback fills of the chart's series, for renderers without our stylesheet; the
/// stylesheet's `.series-N` rules (light and dark) take precedence.
const SERIES_FILLS: [&str; CHART_SERIES + 1] = [
    "#1f77b4", "#d95f02", "#1b9e77", "#7570b3", "#e7298a", "#66a61e", "#a6761d", "#7f7f7f",
];
const SERIES_CLASSES: [&str; CHART_SERIES + 1] = [
    "series-0", "series-1", "series-2", "series-3", "series-4", "series-5", "series-6", "series-7",
];
/// At most this many bars: a long story gets wider buckets rather than hairline bars.
const CHART_MAX_BUCKETS: i64 = 72;

/// A stacked bar chart of coverage over time as an inline `<svg>` (no script, no style
/// attribute): articles per outlet per hour when the coverage spans three days or less,
/// else per day (or per several days, so there are at most 72 bars), with a legend of the
/// outlets, the most prolific first. `articles` are `(outlet, effective time)` pairs; empty
/// input gives an empty fragment.
pub fn coverage_chart(articles: &[(String, DateTime<Utc>)]) -> Html {
    let mut html = Html::new();
    let (Some(first), Some(last)) = (
        articles.iter().map(|(_, t)| *t).min(),
        articles.iter().map(|(_, t)| *t).max(),
    ) else {
        return html;
    };

    // Buckets aligned to whole UTC hours or days, so the labels are round.
    let span_hours = (last - first).num_hours();
    let (bucket_hours, unit) = if span_hours <= 72 {
        (1, "hour")
    } else {
        let days = span_hours / 24 + 1;
        (
            24 * ((days + CHART_MAX_BUCKETS - 1) / CHART_MAX_BUCKETS),
            "day",
        )
    };
    let bucket_seconds = bucket_hours * 3600;
    let align = if bucket_hours == 1 { 3600 } else { 86_400 };
    let origin = first.timestamp().div_euclid(align) * align;
    let bucket_of = |t: DateTime<Utc>| ((t.timestamp() - origin) / bucket_seconds) as usize;
    let buckets = bucket_of(last) + 1;

    // Outlets by article count, then name; past CHART_SERIES they share the last series.
    let mut per_outlet: std::collections::BTreeMap<&str, usize> = Default::default();
    for (outlet, _) in articles {
        *per_outlet.entry(outlet.as_str()).or_default() += 1;
    }
    let mut outlets: Vec<(&str, usize)> = per_outlet.into_iter().collect();
    outlets.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let mut legend: Vec<(String, usize)> = outlets
        .iter()
        .take(CHART_SERIES)
        .map(|(name, count)| ((*name).to_string(), *count))
        .collect();
    if outlets.len() > CHART_SERIES {
        let others: usize = outlets[CHART_SERIES..].iter().map(|(_, c)| c).sum();
        legend.push(("Other outlets".to_string(), others));
    }
    let series_of = |outlet: &str| {
        outlets
            .iter()
            .position(|(name, _)| *name == outlet)
            .map_or(CHART_SERIES, |i| i.min(CHART_SERIES))
    };
    let mut counts = vec![[0u32; CHART_SERIES + 1]; buckets];
    for (outlet, time) in articles {
        counts[bucket_of(*time)][series_of(outlet)] += 1;
    }
    let tallest = counts
        .iter()
        .map(|c| c.iter().sum::<u32>())
        .max()
        .unwrap_or(1)
        .max(1);

    const WIDTH: f64 = 640.0;
    const LEFT: f64 = 30.0;
    const RIGHT: f64 = 10.0;
    const TOP: f64 = 10.0;
    const PLOT_HEIGHT: f64 = 120.0;
    const LEGEND_ROW: f64 = 20.0;
    let legend_top = TOP + PLOT_HEIGHT + 30.0;
    let legend_rows = legend.len().div_ceil(2);
    let height = legend_top + legend_rows as f64 * LEGEND_ROW + 4.0;
    let plot_width = WIDTH - LEFT - RIGHT;
    let bar_step = plot_width / buckets as f64;
    let gap = if bar_step > 4.0 { 1.0 } else { 0.0 };
    let unit_height = PLOT_HEIGHT / f64::from(tallest);
    let baseline = TOP + PLOT_HEIGHT;

    let per = if bucket_hours == 1 {
        "hour".to_string()
    } else if bucket_hours == 24 {
        "day".to_string()
    } else {
        format!("{} days", bucket_hours / 24)
    };
    let label = format!(
        "Articles per outlet per {per}, {} to {}",
        human_time(first),
        human_time(last)
    );
    html.open(
        "svg",
        &[
            ("xmlns", "http://www.w3.org/2000/svg"),
            ("viewBox", &format!("0 0 {WIDTH} {height}")),
            ("role", "img"),
            ("aria-label", &label),
            ("class", "coverage"),
        ],
    );
    html.element("title", &[], &label);
    for (index, bucket) in counts.iter().enumerate() {
        let start = DateTime::<Utc>::from_timestamp(origin + index as i64 * bucket_seconds, 0)
            .unwrap_or(first);
        let when = if unit == "hour" {
            start.format("%-d %b %H:00").to_string()
        } else {
            start.format("%-d %b %Y").to_string()
        };
        let x = LEFT + index as f64 * bar_step + gap / 2.0;
        let mut y = baseline;
        for (series, &count) in bucket.iter().enumerate() {
            if count == 0 {
                continue;
            }
            let bar_height = f64::from(count) * unit_height;
            y -= bar_height;
            let name = legend.get(series).map_or("", |(name, _)| name.as_str());
            let plural = if count == 1 { "article" } else { "articles" };
            html.open(
                "rect",
                &[
                    ("x", &format!("{x:.1}")),
                    ("y", &format!("{y:.1}")),
                    ("width", &format!("{:.1}", (bar_step - gap).max(0.5))),
                    ("height", &format!("{bar_height:.1}")),
                    ("class", SERIES_CLASSES[series]),
                    ("fill", SERIES_FILLS[series]),
                ],
            )
            .element("title", &[], &format!("{name}: {count} {plural}, {when}"))
            .close("rect");
        }
    }
    // Axes: the baseline, the top count, and the first and last bucket's dates.
    html.open(
        "line",
        &[
            ("x1", &format!("{LEFT}")),
            ("y1", &format!("{baseline}")),
            ("x2", &format!("{}", WIDTH - RIGHT)),
            ("y2", &format!("{baseline}")),
            ("class", "axis"),
            ("stroke", "#888888"),
        ],
    )
    .close("line");
    let axis_text = |html: &mut Html, x: f64, y: f64, anchor: &str, text: &str| {
        html.element(
            "text",
            &[
                ("x", &format!("{x:.1}")),
                ("y", &format!("{y:.1}")),
                ("text-anchor", anchor),
                ("font-size", "11"),
                ("fill", "currentColor"),
            ],
            text,
        );
    };
    axis_text(
        &mut html,
        LEFT - 6.0,
        TOP + 10.0,
        "end",
        &tallest.to_string(),
    );
    axis_text(&mut html, LEFT - 6.0, baseline, "end", "0");
    let date_format = if unit == "hour" {
        "%-d %b %H:00"
    } else {
        "%-d %b %Y"
    };
    axis_text(
        &mut html,
        LEFT,
        baseline + 16.0,
        "start",
        &first.format(date_format).to_string(),
    );
    if buckets > 1 {
        axis_text(
            &mut html,
            WIDTH - RIGHT,
            baseline + 16.0,
            "end",
            &last.format(date_format).to_string(),
        );
    }
    html.raw("<g class=\"legend\">");
    for (series, (name, count)) in legend.iter().enumerate() {
        let column = (series % 2) as f64;
        let row = (series / 2) as f64;
        let x = LEFT + column * (plot_width / 2.0);
        let y = legend_top + row * LEGEND_ROW;
        html.open(
            "rect",
            &[
                ("x", &format!("{x:.1}")),
                ("y", &format!("{:.1}", y - 10.0)),
                ("width", "10"),
                ("height", "10"),
                ("class", SERIES_CLASSES[series]),
                ("fill", SERIES_FILLS[series]),
            ],
        )
        .close("rect");
        let shown: String = if name.chars().count() > 36 {
            name.chars().take(35).chain(['…']).collect()
        } else {
            name.clone()
        };
        axis_text(
            &mut html,
            x + 16.0,
            y,
            "start",
            &format!("{shown} ({count})"),
        );
    }
    html.raw("</g></svg>");
    html
}
