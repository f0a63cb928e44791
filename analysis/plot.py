#!/usr/bin/python3
"""Figures from dtsim sweeps and runs (PNG and PDF).

  plot.py speedup     RESULTS [--x ranks] [--group COL ...] [--facet COL] [--where COL=VALUE ...] -o speedup.png
  plot.py breakdown   RESULTS [--label COL ...] [--facet COL] [--where COL=VALUE ...] [--normalize] -o breakdown.png
  plot.py convergence INPUT ... [--label COL ...] [--smooth N] -o convergence.png
  plot.py compare     RUN_DIR ... -o compare.png
  plot.py timeline    TRACE [--ranks 0-7,12] [--window START:END] -o timeline.png

RESULTS is a sweep's results.csv or its directory. Convergence INPUTs are sweep results (each ok point's
iterations.csv, from point_outputs) or iterations.csv files / run directories. TRACE is a run's
trace.json (or its directory). RUN_DIRs are `dtsim run` output directories (each with summary.json),
labelled by directory name. Each figure is written as the given PNG plus a PDF of the same name
(--no-pdf to skip). Run with Debian's /usr/bin/python3 (python3-matplotlib).
"""
import argparse
import csv
import json
import re
import math
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402

# Summary metrics (a sweep's non-parameter columns), used when sweep.json is absent.
TRAILING = {"point_wall_s", "dir"}
LEADING = {"index", "point_id", "status", "error"}
COLORS = plt.rcParams["axes.prop_cycle"].by_key()["color"]
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]
LINESTYLES = ["-", "--", ":", "-."]


# How papers name the catalog's models (scenarios/catalog.json keys -> display names in figures).
DISPLAY_NAMES = {"resnet50": "ResNet-50", "resnet101": "ResNet-101", "resnet152": "ResNet-152", "vgg16": "VGG-16",
                 "inception_v3": "Inception-v3", "bert_base": "BERT-Base", "bert_large": "BERT-Large", "gpt2_xl": "GPT-2 XL"}


def display(value):
    return DISPLAY_NAMES.get(value, value)


def fail(message):
    print("plot.py: error: " + message, file=sys.stderr)
    sys.exit(2)


# ---------------------------------------------------------------------------------------------- input
def results_path(path):
    if os.path.isdir(path):
        path = os.path.join(path, "results.csv")
    if not os.path.isfile(path):
        fail(f"{path}: no such results table (give a sweep's results.csv or its directory)")
    return path


def number(text):
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def load_results(path, where=()):
    """Rows of a results.csv (ok points only) and the sweep's parameter columns with their pointers."""
    path = results_path(path)
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
        header = rows[0].keys() if rows else []
    definition = os.path.join(os.path.dirname(path), "sweep.json")
    pointers = {}
    if os.path.isfile(definition):
        with open(definition) as f:
            sweep = json.load(f)
        params = list(sweep.get("columns", []))
        for axis in sweep.get("axes", []):
            for column in axis:
                pointers[column["column"]] = column.get("pointer") or ""
    else:  # parameters sit between "error" and the first summary metric (bytes_sent_..., alphabetical)
        params = []
        names = list(header)
        for name in names[4:]:
            if name.startswith("bytes_sent") or name in TRAILING:
                break
            params.append(name)
    for condition in where:
        if "=" not in condition:
            fail(f"--where {condition}: expected COLUMN=VALUE")
        key, value = condition.split("=", 1)
        if rows and key not in rows[0]:
            fail(f"--where {condition}: no column {key!r}; columns: {', '.join(rows[0].keys())}")
        rows = [r for r in rows if r[key] == value]
    failed = sum(1 for r in rows if r.get("status") != "ok")
    if failed:
        print(f"plot.py: {failed} failed point(s) left out", file=sys.stderr)
    rows = [r for r in rows if r.get("status") == "ok"]
    if not rows:
        fail(f"{path}: no successful points to plot")
    base_dir = os.path.dirname(path)
    for r in rows:
        r["_base_dir"] = base_dir
    return rows, params, pointers


def require_columns(rows, columns):
    for c in columns:
        if c not in rows[0]:
            fail(f"no column {c!r}; columns: {', '.join(k for k in rows[0].keys() if not k.startswith('_'))}")


def ordered_values(rows, column):
    """Distinct values of a column in order of first appearance (sweep order)."""
    seen = []
    for r in rows:
        if r[column] not in seen:
            seen.append(r[column])
    return seen


def label_of(row, columns, named=False):
    if not columns:
        return "all points"
    if len(columns) == 1 and not named:
        return row[columns[0]]
    return ", ".join(f"{c}={row[c]}" if named else row[c] for c in columns)


def save(fig, output, no_pdf):
    directory = os.path.dirname(output)
    if directory:
        os.makedirs(directory, exist_ok=True)
    root, ext = os.path.splitext(output)
    if ext.lower() not in (".png", ".pdf", ".svg"):
        fail(f"-o {output}: use a .png (a .pdf is written beside it), .pdf or .svg name")
    fig.savefig(output, dpi=100, bbox_inches="tight")
    written = [output]
    if not no_pdf and ext.lower() == ".png":
        fig.savefig(root + ".pdf", bbox_inches="tight")
        written.append(root + ".pdf")
    plt.close(fig)
    print("wrote " + " and ".join(written))


# -------------------------------------------------------------------------------------------- speedup
def cmd_speedup(a):
    rows, params, pointers = load_results(a.results, a.where)
    require_columns(rows, [a.x, "speedup", "scaling_efficiency"])
    facet_values = ordered_values(rows, a.facet) if a.facet else [None]
    if a.group is None:  # every parameter but the cluster size and the facet
        a.group = [p for p in params if p != a.facet and p != a.x and not pointers.get(p, "").startswith("/cluster/")
                   and "nodes" not in p]
        labelled = [p for p in a.group if pointers.get(p, None) == ""]
        if labelled:  # a zipped axis with labels: keep the label column, drop the columns it labels
            zipped = _zipped_with(a.results, labelled)
            a.group = [p for p in a.group if p not in zipped]
    require_columns(rows, a.group + ([a.facet] if a.facet else []))
    groups = []
    for r in rows:
        key = tuple(r[c] for c in a.group)
        if key not in groups:
            groups.append(key)
    width = max(4.2, 3.6 * len(facet_values))
    fig, axes = plt.subplots(2, len(facet_values), figsize=(width, 6.4), squeeze=False, sharex=True)
    xs_all = sorted({number(r[a.x]) for r in rows if number(r[a.x])})
    for col, facet in enumerate(facet_values):
        top, bottom = axes[0][col], axes[1][col]
        subset = [r for r in rows if facet is None or r[a.facet] == facet]
        for g, key in enumerate(groups):
            points = sorted((number(r[a.x]), number(r["speedup"]), number(r["scaling_efficiency"]))
                            for r in subset if tuple(r[c] for c in a.group) == key)
            if not points:
                continue
            style = dict(color=COLORS[g % len(COLORS)], marker=MARKERS[g % len(MARKERS)], markersize=4, linewidth=1.5)
            label = ", ".join(key) if key else "all points"
            top.plot([p[0] for p in points], [p[1] for p in points], label=label, **style)
            bottom.plot([p[0] for p in points], [100 * p[2] for p in points], label=label, **style)
        top.plot(xs_all, xs_all, color="black", linestyle="--", linewidth=1, label="ideal (linear)")
        bottom.axhline(100, color="black", linestyle="--", linewidth=1, label="ideal")
        for ax in (top, bottom):
            ax.set_xscale("log", base=2)
            ax.grid(True, which="major", alpha=0.3)
            ax.set_xticks(xs_all)
            ax.set_xticklabels([f"{x:g}" for x in xs_all])
        top.set_yscale("log", base=2)
        top.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
        top.set_ylim(bottom=min(0.5, top.get_ylim()[0]))
        bottom.set_ylim(0, 105)
        if facet is not None:
            top.set_title(f"{a.facet} = {facet}")
        bottom.set_xlabel("GPUs (ranks)" if a.x == "ranks" else a.x)
        if col == 0:
            top.set_ylabel("speedup over one GPU (x)")
            bottom.set_ylabel("scaling efficiency (%)")
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", ncol=min(4, len(labels)), frameon=False,
               bbox_to_anchor=(0.5, 1.0 + 0.035 * math.ceil(len(labels) / 4)))
    if a.title:
        fig.suptitle(a.title, y=1.0 + 0.035 * math.ceil(len(labels) / 4) + 0.04)
    fig.tight_layout()
    save(fig, a.output, a.no_pdf)


def _zipped_with(results, label_columns):
    """Columns that share an axis with one of the label columns (from sweep.json)."""
    definition = os.path.join(os.path.dirname(results_path(results)), "sweep.json")
    out = set()
    if os.path.isfile(definition):
        with open(definition) as f:
            for axis in json.load(f).get("axes", []):
                names = [c["column"] for c in axis]
                if any(n in label_columns for n in names):
                    out.update(n for n in names if n not in label_columns)
    return out


# ------------------------------------------------------------------------------------------ breakdown
def cmd_breakdown(a):
    rows, params, pointers = load_results(a.results, a.where)
    parts = [("compute_time_s", "compute", COLORS[0]), ("exposed_comm_time_s", "exposed communication", COLORS[1]),
             ("wait_time_s.mean", "waiting on peers", COLORS[3])]
    require_columns(rows, [p[0] for p in parts] + ["iteration_time_s", "comm_to_compute_ratio"])
    if a.label is None:
        a.label = [p for p in params if p != a.facet]
        labelled = [p for p in a.label if pointers.get(p, None) == ""]
        if labelled:
            zipped = _zipped_with(a.results, labelled)
            a.label = [p for p in a.label if p not in zipped]
    require_columns(rows, a.label + ([a.facet] if a.facet else []))
    facet_values = ordered_values(rows, a.facet) if a.facet else [None]
    most = max(len([r for r in rows if f is None or r[a.facet] == f]) for f in facet_values)
    fig, axes = plt.subplots(1, len(facet_values), figsize=(max(5, 0.42 * most * len(facet_values) + 2.5), 4.6),
                             squeeze=False, sharey=bool(a.normalize))
    scale, unit = (100, "% of iteration time") if a.normalize else (1000, "ms")

    def part_values(r):
        it = number(r["iteration_time_s"]) or 0.0
        values = [number(r[p[0]]) or 0.0 for p in parts]
        values.append(max(0.0, it - sum(values)))  # idle / other
        return [v / it * scale if a.normalize and it > 0 else v * scale for v in values]

    # A part that is zero in every bar would only add an empty legend entry: it is named under the figure.
    stack = parts + [("_other", "idle / other", "#cccccc")]
    totals = [0.0] * len(stack)
    for r in rows:
        totals = [t + v for t, v in zip(totals, part_values(r))]
    shown = [k for k, t in enumerate(totals) if t > 1e-9 * max(totals)]
    ratios_all = [number(r["comm_to_compute_ratio"]) or 0.0 for r in rows]
    positive = [x for x in ratios_all if x > 0]
    log_ratio = bool(positive) and max(positive) / min(positive) > 1000  # linear from zero unless unreadable
    twins = []
    for col, facet in enumerate(facet_values):
        ax = axes[0][col]
        subset = [r for r in rows if facet is None or r[a.facet] == facet]
        xs = list(range(len(subset)))
        values = [part_values(r) for r in subset]
        bottom = [0.0] * len(subset)
        for k in shown:
            _, name, color = stack[k]
            heights = [v[k] for v in values]
            ax.bar(xs, heights, bottom=bottom, color=color, label=name, width=0.75)
            bottom = [b + h for b, h in zip(bottom, heights)]
        ax.set_ylim(0, max(bottom, default=1) * 1.06 or 1)
        ax.set_xticks(xs)
        # one column: its values on the ticks and its name below; several: "column=value" on each tick
        ticks = [display(label_of(r, a.label)) if len(a.label) == 1 else label_of(r, a.label, named=True)
                 for r in subset]
        long_ticks = max((len(t) for t in ticks), default=0) * len(ticks) > 24  # would touch unrotated
        ax.set_xticklabels(ticks, rotation=45 if long_ticks else 0, ha="right" if long_ticks else "center",
                           fontsize=9)
        if col == 0:
            ax.set_ylabel(f"mean time per iteration ({unit})")
        if facet is not None:
            ax.set_title(display(facet) if a.facet == "model" else f"{a.facet} = {facet}")
        ax.grid(True, axis="y", alpha=0.3)
        twin = ax.twinx()
        twins.append(twin)
        ratios = [number(r["comm_to_compute_ratio"]) or 0.0 for r in subset]
        twin.plot(xs, ratios, "k.", markersize=8, label="comm / compute (right axis)")
    # The ratio axis is shared by every panel (one scale to compare models) and starts at zero.
    for col, twin in enumerate(twins):
        if log_ratio:
            twin.set_yscale("log")
            twin.set_ylim(min(positive) / 1.5, max(positive) * 1.5)
        else:
            twin.set_ylim(0, max(ratios_all, default=1) * 1.08 or 1)
        if col < len(twins) - 1:
            twin.tick_params(which="both", labelright=False, right=False)
        else:
            twin.set_ylabel("communication / compute ratio")
    if len(a.label) == 1:
        fig.supxlabel(a.label[0], y=0.02)
    handles, labels = axes[0][0].get_legend_handles_labels()
    h2, l2 = twins[-1].get_legend_handles_labels()
    fig.legend(handles + h2, labels + l2, loc="upper center", ncol=5, frameon=False, bbox_to_anchor=(0.5, 1.06))
    if a.title:
        fig.suptitle(a.title, y=1.12)
    fig.tight_layout()
    hidden = [stack[k][1] for k in range(len(stack)) if k not in shown]
    if hidden:
        fig.text(0.5, -0.03, f"not drawn: {', '.join(hidden)} (zero in every configuration)", ha="center",
                 fontsize=9, color="#555555")
    save(fig, a.output, a.no_pdf)


# ---------------------------------------------------------------------------------------- convergence
def read_iterations(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    if rows and "train_loss" not in rows[0]:
        fail(f"{path}: no train_loss column (a timing-only run has no loss; use a real model)")
    return rows


def convergence_series(inputs, label_columns, where):
    series = []
    for path in inputs:
        if os.path.isdir(path) and os.path.isfile(os.path.join(path, "iterations.csv")):
            path = os.path.join(path, "iterations.csv")
        if os.path.basename(path) == "iterations.csv":
            series.append((os.path.basename(os.path.dirname(os.path.abspath(path))), None, read_iterations(path)))
            continue
        rows, params, pointers = load_results(path, where)
        columns = label_columns
        if columns is None:  # the parameters that vary
            columns = [p for p in params if len(ordered_values(rows, p)) > 1] or params[:1]
        require_columns(rows, columns)
        for r in rows:
            if not r.get("dir"):
                fail(f"{path}: point {r['point_id']} has no per-point outputs (set \"point_outputs\": true)")
            file = os.path.join(r["_base_dir"], r["dir"], "iterations.csv")
            if not os.path.isfile(file):
                fail(f"{file}: missing")
            series.append((label_of(r, columns, named=len(columns) > 1), {c: r[c] for c in columns},
                           read_iterations(file)))
    return series


def smooth(values, window):
    if window <= 1:
        return values
    out, acc, queue = [], 0.0, []
    for v in values:
        queue.append(v)
        acc += v
        if len(queue) > window:
            acc -= queue.pop(0)
        out.append(acc / len(queue))
    return out


def coinciding(series_points, tolerance=0.01):
    """Groups (of 2+ series indices) whose curves stay within `tolerance` (relative) of each other over
    their common iterations: drawn on top of one another, they would hide all but the last."""
    groups = []
    for s, points in enumerate(series_points):
        for group in groups:
            other = series_points[group[0]]
            n = min(len(points), len(other))
            if n and all(abs(points[k] - other[k]) <= tolerance * max(abs(other[k]), 1e-12) for k in range(n)):
                group.append(s)
                break
        else:
            groups.append([s])
    return [g for g in groups if len(g) > 1]


def convergence_styles(series):
    """Colour per value of the first label column, line style and marker per value of the others, and
    the legend's sections ([(title, [(handle style, label)])])."""
    from matplotlib.lines import Line2D
    keyed = all(values for _, values, _ in series) and len(series[0][1]) > 1
    if not keyed:  # one colour per run
        styles = [dict(color=COLORS[s % len(COLORS)], linestyle=LINESTYLES[(s // len(COLORS)) % len(LINESTYLES)],
                       marker=MARKERS[s % len(MARKERS)]) for s in range(len(series))]
        section = [(Line2D([], [], color=st["color"], linestyle=st["linestyle"], linewidth=2), label)
                   for st, (label, _, _) in zip(styles, series)]
        return styles, [("runs", section)]
    columns = list(series[0][1])
    first, rest = columns[0], columns[1:]
    colour_values = []
    style_values = []
    for _, values, _ in series:
        if values[first] not in colour_values:
            colour_values.append(values[first])
        key = ", ".join(values[c] for c in rest)
        if key not in style_values:
            style_values.append(key)
    styles = []
    for _, values, _ in series:
        k = style_values.index(", ".join(values[c] for c in rest))
        styles.append(dict(color=COLORS[colour_values.index(values[first]) % len(COLORS)],
                           linestyle=LINESTYLES[k % len(LINESTYLES)], marker=MARKERS[k % len(MARKERS)]))
    sections = [(first, [(Line2D([], [], color=COLORS[i % len(COLORS)], linewidth=3), display(v))
                         for i, v in enumerate(colour_values)]),
                (", ".join(rest), [(Line2D([], [], color="#444444", linestyle=LINESTYLES[k % len(LINESTYLES)],
                                          marker=MARKERS[k % len(MARKERS)], markersize=5, linewidth=1.5), v)
                                   for k, v in enumerate(style_values)])]
    return styles, sections


def cmd_convergence(a):
    from matplotlib.lines import Line2D
    series = convergence_series(a.inputs, a.label, a.where)
    styles, sections = convergence_styles(series)
    plt.rcParams.update({"font.size": 11})
    fig, axes = plt.subplots(2, 2, figsize=(11, 8), sharey="row")
    any_accuracy = False
    # Later series are drawn thinner, so that a curve lying on an earlier one leaves its colour visible.
    widths = [2.0 + 2.0 * (len(series) - 1 - s) / max(1, len(series) - 1) for s in range(len(series))]
    losses = []
    for s, (label, _, rows) in enumerate(series):
        st = styles[s]
        t = [number(r["end_s"]) for r in rows]
        it = [number(r["iteration"]) + 1 for r in rows]
        train = [(x, y, number(r["train_loss"])) for x, y, r in zip(t, it, rows) if number(r["train_loss"]) is not None]
        test = [(x, y, number(r["test_loss"]), number(r["test_accuracy"])) for x, y, r in zip(t, it, rows)
                if number(r["test_loss"]) is not None]
        losses.append([p[2] for p in train])
        for col, pick in ((0, 0), (1, 1)):
            if train:
                axes[0][col].plot([p[pick] for p in train], smooth([p[2] for p in train], a.smooth), color=st["color"],
                                  linestyle=st["linestyle"], linewidth=widths[s], alpha=0.85)
            if test:  # test loss: hollow markers only, not to be read as one more training curve
                axes[0][col].plot([p[pick] for p in test], [p[2] for p in test], linestyle="none",
                                  marker=st["marker"], markersize=6, markerfacecolor="white",
                                  markeredgecolor=st["color"], markeredgewidth=1.3)
                accuracy = [(p[pick], p[3]) for p in test if p[3] is not None]
                if accuracy:
                    any_accuracy = True
                    axes[1][col].plot([p[0] for p in accuracy], [100 * p[1] for p in accuracy], color=st["color"],
                                      linestyle=st["linestyle"], marker=st["marker"], markersize=6,
                                      linewidth=widths[s] * 0.8, alpha=0.85)
    for col in (0, 1):
        axes[1][col].set_xlabel("simulated time (s)" if col == 0 else "iterations")
        for row in (0, 1):
            axes[row][col].grid(True, alpha=0.3)
    if a.log_time:
        for row in (0, 1):
            axes[row][0].set_xscale("log")
    axes[0][0].set_ylabel("loss (cross-entropy)" if any_accuracy else "loss")
    axes[1][0].set_ylabel("test accuracy (%)")
    axes[0][0].set_title("against simulated time")
    axes[0][1].set_title("against iterations")
    if a.log_loss:
        axes[0][0].set_yscale("log")
    if not any_accuracy:
        for col in (0, 1):
            axes[1][col].text(0.5, 0.5, "no test accuracy in these runs", ha="center", va="center",
                              transform=axes[1][col].transAxes)
    # Say which curves coincide against iterations (same updates, different clocks).
    groups = coinciding(losses)
    if groups:
        text = "curves within 1% of each other:\n" + "\n".join(" = ".join(series[s][0] for s in g) for g in groups)
        axes[0][1].text(0.98, 0.6, text, transform=axes[0][1].transAxes, ha="right", va="top", fontsize=9,
                        bbox=dict(facecolor="white", edgecolor="#999999", alpha=0.9))
    curves = [(Line2D([], [], color="#444444", linewidth=2),
               f"train loss (mean of {a.smooth})" if a.smooth > 1 else "train loss"),
              (Line2D([], [], color="#444444", linestyle="none", marker="o", markerfacecolor="white", markersize=6),
               "test loss")]
    sections.append(("curves", curves))
    # One legend column per section, each headed by its name.
    height = max(len(entries) for _, entries in sections) + 1
    handles, labels = [], []
    for title, entries in sections:
        column = [(Line2D([], [], linestyle="none"), f"$\\bf{{{title.replace('_', ' ').replace(' ', '~')}}}$")] + entries
        column += [(Line2D([], [], linestyle="none"), "")] * (height - len(column))
        handles += [h for h, _ in column]
        labels += [l for _, l in column]
    fig.legend(handles, labels, loc="upper center", ncol=len(sections), frameon=False, fontsize=10,
               bbox_to_anchor=(0.5, 1.0 + 0.028 * height), columnspacing=2.5, handlelength=3)
    if a.title:
        fig.suptitle(a.title, y=1.03 + 0.028 * height, fontsize=13)
    fig.tight_layout()
    save(fig, a.output, a.no_pdf)
    plt.rcParams.update({"font.size": matplotlib.rcParamsDefault["font.size"]})


# -------------------------------------------------------------------------------------------- compare
def load_run(directory):
    """A `dtsim run` output directory's summary.json, flattened the way a sweep's results.csv is."""
    path = os.path.join(directory, "summary.json")
    if not os.path.isfile(path):
        fail(f"{directory}: no summary.json (give `dtsim run` output directories, e.g. out/quickstart)")
    try:
        with open(path) as f:
            summary = json.load(f)
    except (OSError, ValueError) as e:
        fail(f"{path}: not a readable summary ({e})")
    for key in ("iteration_time_s", "compute_time_s", "exposed_comm_time_s", "throughput_samples_per_s"):
        if not isinstance(summary.get(key), (int, float)):
            fail(f"{path}: no numeric {key!r} (is this a dtsim run's summary.json?)")
    return summary


def cmd_compare(a):
    runs = []
    for directory in a.runs:
        summary = load_run(directory)
        name = os.path.basename(os.path.normpath(os.path.abspath(directory)))
        wait = summary.get("wait_time_s", {})
        wait = wait.get("mean", 0.0) if isinstance(wait, dict) else (wait or 0.0)
        runs.append((name, summary, wait))
    fig, (left, right) = plt.subplots(1, 2, figsize=(max(8, 1.3 * len(runs) + 5), 4.6),
                                      gridspec_kw={"width_ratios": [3, 2]})
    xs = list(range(len(runs)))
    parts = [("compute", COLORS[0], lambda s, w: s["compute_time_s"]),
             ("exposed communication", COLORS[1], lambda s, w: s["exposed_comm_time_s"]),
             ("waiting on peers", COLORS[3], lambda s, w: w),
             ("idle / other", "#cccccc",
              lambda s, w: max(0.0, s["iteration_time_s"] - s["compute_time_s"] - s["exposed_comm_time_s"] - w))]
    bottom = [0.0] * len(runs)
    hidden = []
    for name, color, value in parts:
        heights = [1000 * value(s, w) for _, s, w in runs]
        if max(heights) <= 1e-9 * max(1000 * s["iteration_time_s"] for _, s, _ in runs):
            hidden.append(name)  # zero in every run: named under the figure, not an empty legend entry
            continue
        left.bar(xs, heights, bottom=bottom, color=color, label=name, width=0.7)
        bottom = [b + h for b, h in zip(bottom, heights)]
    for x, (_, s, _) in zip(xs, runs):
        left.text(x, 1000 * s["iteration_time_s"], f"{1000 * s['iteration_time_s']:.3g}", ha="center", va="bottom",
                  fontsize=9)
    left.set_ylim(0, max(1000 * s["iteration_time_s"] for _, s, _ in runs) * 1.12)
    left.set_ylabel("mean time per iteration (ms)")
    left.set_title("iteration time")
    throughput = [s["throughput_samples_per_s"] for _, s, _ in runs]
    right.bar(xs, throughput, color=COLORS[2], width=0.7)
    for x, t in zip(xs, throughput):
        right.text(x, t, f"{t:.4g}", ha="center", va="bottom", fontsize=9)
    right.set_ylim(0, max(throughput) * 1.12 or 1)
    right.set_ylabel("throughput (samples/s)")
    right.set_title("throughput")
    long_names = max(len(n) for n, _, _ in runs) * len(runs) > 30
    for ax in (left, right):
        ax.set_xticks(xs)
        ax.set_xticklabels([n for n, _, _ in runs], rotation=30 if long_names else 0,
                           ha="right" if long_names else "center")
        ax.set_xlabel("run")
        ax.grid(True, axis="y", alpha=0.3)
    fig.legend(*left.get_legend_handles_labels(), loc="upper center", ncol=4, frameon=False,
               bbox_to_anchor=(0.5, 1.07))
    if a.title:
        fig.suptitle(a.title, y=1.13)
    fig.tight_layout()
    if hidden:
        fig.text(0.5, -0.04, f"not drawn: {', '.join(hidden)} (zero in every run)", ha="center", fontsize=9,
                 color="#555555")
    save(fig, a.output, a.no_pdf)


# ------------------------------------------------------------------------------------------- timeline
def parse_ranks(text):
    ranks = set()
    for part in text.split(","):
        if "-" in part:
            lo, hi = part.split("-", 1)
            ranks.update(range(int(lo), int(hi) + 1))
        elif part:
            ranks.add(int(part))
    return ranks


def cmd_timeline(a):
    path = a.trace
    if os.path.isdir(path):
        plain = os.path.join(path, "trace.json")
        path = plain if os.path.isfile(plain) or not os.path.isfile(plain + ".gz") else plain + ".gz"
    if not os.path.isfile(path):
        fail(f"{path}: no trace.json (run with \"output\": {{\"trace\": true}})")
    import gzip
    with (gzip.open(path, "rt") if path.endswith(".gz") else open(path)) as f:
        events = json.load(f)["traceEvents"]
    # One row per endpoint: its compute and communication tracks ("rank 3 compute", "rank 3 comm",
    # "rank 3 comm 2") are drawn together; the row's number is its compute track's id, the rank.
    owner = {}
    spans = []
    for e in events:
        if e.get("ph") == "M" and e.get("name") == "thread_name":
            owner[e["tid"]] = re.sub(r" (compute|comm)( \d+)?$", "", e["args"]["name"])
        elif e.get("ph") == "X" and e.get("cat") != "collective":
            spans.append(e)
    if not spans:
        fail(f"{path}: no spans")
    row_id = {}
    for tid, name in owner.items():
        row_id[name] = min(tid, row_id.get(name, tid))
    names = {row_id[name]: name for name in row_id}
    for e in spans:
        e["tid"] = row_id.get(owner.get(e["tid"]), e["tid"])
    tracks = sorted({e["tid"] for e in spans})
    all_tracks = len(tracks)
    try:
        chosen = parse_ranks(a.ranks) if a.ranks else set(tracks[:16])
    except ValueError:
        fail(f"--ranks {a.ranks}: expected e.g. 0-7,12")
    tracks = [t for t in tracks if t in chosen]
    if not tracks:
        fail(f"--ranks {a.ranks}: none of these tracks is in the trace")
    start, end = 0.0, max(e["ts"] + e["dur"] for e in spans) / 1e6
    if a.window:
        try:
            lo, hi = a.window.split(":")
            start = float(lo) if lo else start
            end = float(hi) if hi else end
        except ValueError:
            fail(f"--window {a.window}: expected START:END in seconds of simulated time, e.g. 0.1:0.25")
        if end <= start:
            fail(f"--window {a.window}: END must be after START")
    lanes = {"compute": (0, COLORS[0]), "send": (1, COLORS[1]), "recv": (2, COLORS[2]), "wait": (3, COLORS[3])}
    lane_h = 0.2
    # a time unit that reads well for the window
    span = end - start
    scale, unit = (1.0, "s") if span >= 2 else (1e3, "ms") if span >= 2e-3 else (1e6, "us")
    fig, ax = plt.subplots(figsize=(10, 1.4 + 0.45 * len(tracks)))
    by_track = {t: {k: [] for k in lanes} for t in tracks}
    for e in spans:
        if e["tid"] not in by_track:
            continue
        b, d = e["ts"] / 1e6, e["dur"] / 1e6
        if b + d < start or b > end:
            continue
        kind = e["name"] if e["name"] in lanes else "compute"
        by_track[e["tid"]][kind].append(((max(b, start) - start) * scale, (min(b + d, end) - max(b, start)) * scale))
    for row, t in enumerate(tracks):
        for kind, (lane, color) in lanes.items():
            if by_track[t][kind]:
                ax.broken_barh(by_track[t][kind], (row + 0.1 + lane * lane_h, lane_h * 0.9), facecolors=color,
                               edgecolor="none")
    ax.set_yticks([r + 0.5 for r in range(len(tracks))])
    ax.set_yticklabels([names.get(t, f"track {t}") for t in tracks], fontsize=10)
    ax.set_ylim(len(tracks), 0)
    ax.set_xlim(0, span * scale)
    ax.set_xlabel(f"simulated time since {start:g} s ({unit})")
    ax.grid(True, axis="x", alpha=0.3)
    from matplotlib.patches import Patch
    ax.legend(handles=[Patch(color=c, label=k) for k, (_, c) in lanes.items()], loc="upper left",
              bbox_to_anchor=(1.005, 1.0), frameon=False, fontsize=10)
    run = os.path.basename(os.path.dirname(os.path.abspath(path)))
    title = a.title or f"Timeline of run {run!r}, simulated time {start:.4g} s to {end:.4g} s"
    # A subset of the tracks is said in the title: a reader must not take 16 ranks for the whole job.
    if len(tracks) < all_tracks:
        shown = "the first 16 tracks (--ranks chooses)" if not a.ranks else f"tracks {a.ranks}"
        title += f"\n{len(tracks)} of {all_tracks} tracks shown: {shown}"
    else:
        title += f"\nall {all_tracks} tracks"
    ax.set_title(title, fontsize=12)
    fig.tight_layout()
    save(fig, a.output, a.no_pdf)


# ----------------------------------------------------------------------------------------------- main
def main(argv=None):
    parser = argparse.ArgumentParser(prog="plot.py", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n\n", 1)[1])
    sub = parser.add_subparsers(dest="command", required=True, metavar="{speedup,breakdown,convergence,compare,timeline}")

    def common(p, default):
        p.add_argument("-o", "--output", default=default, help=f"output PNG (a PDF is written beside it); default {default}")
        p.add_argument("--no-pdf", action="store_true", help="write only the PNG")
        p.add_argument("--title", help="figure title")

    p = sub.add_parser("speedup", help="speedup and scaling efficiency against GPUs, with the ideal line")
    p.add_argument("results", help="results.csv of a sweep (or its directory)")
    p.add_argument("--x", default="ranks", help="x column (default ranks)")
    p.add_argument("--group", nargs="+", help="columns whose values make one line each (default: the swept parameters)")
    p.add_argument("--facet", help="one panel per value of this column (e.g. bandwidth)")
    p.add_argument("--where", nargs="+", default=[], help="keep rows with COLUMN=VALUE")
    common(p, "speedup.png")
    p.set_defaults(func=cmd_speedup)

    p = sub.add_parser("breakdown", help="stacked compute / exposed communication / waiting per configuration")
    p.add_argument("results", help="results.csv of a sweep (or its directory)")
    p.add_argument("--label", nargs="+", help="columns that name each bar (default: the swept parameters)")
    p.add_argument("--facet", help="one panel per value of this column")
    p.add_argument("--where", nargs="+", default=[], help="keep rows with COLUMN=VALUE")
    p.add_argument("--normalize", action="store_true", help="as a share of the iteration time")
    common(p, "breakdown.png")
    p.set_defaults(func=cmd_breakdown)

    p = sub.add_parser("convergence", help="loss and test accuracy against simulated time and iterations")
    p.add_argument("inputs", nargs="+", help="sweep results (with point_outputs), iterations.csv files or run directories")
    p.add_argument("--label", nargs="+", help="columns that name each run (default: the parameters that vary)")
    p.add_argument("--where", nargs="+", default=[], help="keep sweep rows with COLUMN=VALUE")
    p.add_argument("--smooth", type=int, default=10, help="moving average of the training loss over N iterations")
    p.add_argument("--log-loss", action="store_true", help="logarithmic loss axis")
    p.add_argument("--log-time", action="store_true", help="logarithmic simulated-time axis")
    common(p, "convergence.png")
    p.set_defaults(func=cmd_convergence)

    p = sub.add_parser("compare", help="iteration time breakdown and throughput of several `dtsim run` directories")
    p.add_argument("runs", nargs="+", help="`dtsim run` output directories (each with summary.json)")
    common(p, "compare.png")
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("timeline", help="Gantt chart of compute / send / recv / wait spans from trace.json")
    p.add_argument("trace", help="trace.json (or the run directory)")
    p.add_argument("--ranks", help="tracks to show, e.g. 0-7,12 (default: the first 16)")
    p.add_argument("--window", help="START:END in seconds of simulated time (either side may be empty)")
    common(p, "timeline.png")
    p.set_defaults(func=cmd_timeline)

    args = parser.parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
