"""Draws the CSV files of `cargo bench --bench scaling` (target/scaling/) as PNG plots beside
them, each curve whose CSV is there. Run through benches/scaling.sh, which installs
matplotlib."""

import csv
import pathlib

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

OUT = pathlib.Path(__file__).resolve().parents[1] / "target" / "scaling"


def rows(name):
    with open(OUT / name, newline="") as f:
        return list(csv.DictReader(f))


def column(table, key):
    return [float(r[key]) for r in table]


def save(fig, name):
    fig.tight_layout()
    fig.savefig(OUT / name, dpi=120)
    plt.close(fig)
    print(OUT / name)


def length():
    t = rows("length.csv")
    x = [(float(r["min_chars"]) + float(r["max_chars"] or 2 * float(r["min_chars"]))) / 2 for r in t]
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(x, column(t, "p50_us"), "o-", label="p50")
    ax.plot(x, column(t, "p99_us"), "s--", label="p99")
    ax.set(xscale="log", yscale="log", xlabel="petition length (characters, bin centre)",
           ylabel="route() µs, one core", title="route() latency by petition length")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    save(fig, "length.png")


def concurrency():
    t = rows("concurrency.csv")
    x = column(t, "in_flight")
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(x, column(t, "answered_per_s"), "o-", color="tab:blue")
    ax.set(xscale="log", xlabel="calls in flight", ylabel="calls answered/s",
           title="gRPC throughput and p99 (client on the same 2 cores)")
    ax.set_xticks(x, [str(int(v)) for v in x])
    ax2 = ax.twinx()
    ax2.plot(x, [v / 1000 for v in column(t, "ok_p99_us")], "s--", color="tab:red")
    ax2.set(ylabel="p99 of answered calls, ms")
    ax.grid(True, alpha=0.3)
    save(fig, "concurrency.png")


def twin(name, x_key, x_label, mem_key, title, png):
    t = rows(name)
    x = column(t, x_key)
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(x, column(t, "p50_us"), "o-", label="route() p50")
    ax.plot(x, column(t, "p99_us"), "s--", label="route() p99")
    ax.set(xscale="log", xlabel=x_label, ylabel="µs", title=title)
    ax.set_xticks(x, [str(int(v)) for v in x])
    ax.legend(loc="upper left")
    ax2 = ax.twinx()
    ax2.bar(x, column(t, mem_key), width=[v * 0.3 for v in x], alpha=0.25, color="gray")
    ax2.set(ylabel="memory MiB (bars)")
    ax.grid(True, alpha=0.3)
    save(fig, png)


if __name__ == "__main__":
    if (OUT / "length.csv").exists():
        length()
    if (OUT / "concurrency.csv").exists():
        concurrency()
    if (OUT / "catalogue.csv").exists():
        twin("catalogue.csv", "departments", "departments (50 keywords each)", "catalogue_mib",
             "route() and memory by catalogue size", "catalogue.png")
    if (OUT / "labels.csv").exists():
        twin("labels.csv", "labels", "model labels", "model_mib",
             "route() and memory by number of model labels", "labels.png")
