"""Train a 2-D VAE from the terminal: the same loop, config and checkpoints as the app.

    python train_cli.py --epochs 30 --out runs/my-model.pt
    python train_cli.py --max-seconds 60 --beta 4 --seed 1
    python train_cli.py --resume runs/my-model.pt --epochs 60   # go on to 60 epochs
    python train_cli.py --images letters.zip --max-seconds 30   # your pictures (a zip/folder)

Ctrl-C stops at the end of the current step and saves a usable checkpoint (press it twice
to abort without saving). Files under pretrained/ are never overwritten unless you pass
--overwrite-pretrained.
"""

from __future__ import annotations

import argparse
import json
import shlex
import signal
import sys
import threading
from dataclasses import fields
from pathlib import Path

import torch
from tqdm import tqdm

from explorer import paths
from explorer.datasets import collection, reading, registry
from explorer.errors import CheckpointError, CollectionError
from explorer.media.timelapse import history_timelapse, timelapse_gif
from explorer.vae import checkpoint, resume, runner
from explorer.vae.config import TrainConfig
from explorer.vae.train import EpochMetrics, Rollback, StepMetrics


def build_parser(defaults: bool = True) -> argparse.ArgumentParser:
    """The flags; without `defaults`, a parse holds only the flags given (for --resume)."""
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], epilog="Example: python train_cli.py --epochs 5",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        argument_default=None if defaults else argparse.SUPPRESS)
    for f in fields(TrainConfig):  # help, choices and defaults as the Train tab has them
        listed = f.metadata["choices"]  # a function: the datasets here, checked by validate
        ap.add_argument("--" + f.name.replace("_", "-"), type=type(f.default),
                        default=f.default if defaults else argparse.SUPPRESS,
                        choices=None if callable(listed) else listed,
                        help=f"{f.metadata['help']} (default: {f.default})")
    for flag, metavar, hint in (  # what to train on, or which run to continue
            ("--images", "PATH", "train on your own pictures: a .zip or a folder, one "
             "subfolder per class (or none); made into a dataset under the data folder first, "
             "or reused when the same pictures were made into one before"),
            ("--resume", "CHECKPOINT", "continue this saved run where it stopped (its "
             "settings, optimizer and curves); --epochs is then the total to reach and "
             "--max-seconds the time more")):
        ap.add_argument(flag, type=Path, default=None, metavar=metavar, help=hint)
    reading.add_picture_flags(ap, when="with --images: ")
    ap.add_argument("--data", type=Path, default=None,
                    help=f"data folder (default: data/ in the repo, or ${paths.DATA_ENV})")
    ap.add_argument("--out", default=None,
                    help="checkpoint to write (default: runs/<date>-<arch>-beta<b>-seed<s>.pt; "
                         f"the folder can be moved with ${paths.RUNS_ENV})")
    ap.add_argument("--overwrite-pretrained", action="store_true",
                    help="allow writing into pretrained/ (the shipped models)")
    ap.add_argument("--timelapse", default=None, metavar="GIF",
                    help="also write the run's time-lapse (the latent map after each epoch) "
                         "as an animated GIF; later: python -m explorer.media timelapse CKPT")
    ap.add_argument("--quiet", action="store_true", help="no progress bar")
    return ap


def default_out(cfg: TrainConfig, resumed: Path | None = None) -> Path:
    """runs/<date>-<arch>-beta<b>-seed<s>.pt, or runs/<name>-continued.pt for a continued
    run (numbered when taken: the run it continues is kept)."""
    return runner.run_path(paths.runs_dir(), runner.default_name(cfg, resumed))


def images_dataset(args) -> str:
    """Make (or reuse) the dataset of --images; its name. Says what it did on stderr."""
    quiet = args.quiet or not sys.stderr.isatty()
    bar = (lambda **kw: tqdm(disable=quiet, **kw))
    m = reading.import_with_progress(args.images, None, args.preprocess, args.polarity, 0,
                                  args.data, bar)
    counts, skipped = m["counts"], sum(m["skipped"].values())
    print(f"{'reusing' if m.get('reused') else 'made'} dataset {m['name']!r}: "
          f"{counts['train']} training and {counts['test']} test images, "
          f"{len(m['classes'])} class{'es' * (len(m['classes']) != 1)}"
          + (f"; {skipped} files skipped: " + "; ".join(collection.describe_skips(m))
             if skipped else ""), file=sys.stderr)
    return m["name"]


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    continued = None
    given = vars(build_parser(defaults=False).parse_args(argv))  # the flags typed, only
    try:
        if args.images:
            if args.resume:
                raise ValueError("--images makes a dataset for a new run; a continued run "
                                 "keeps its own")
            if "dataset" in given:
                raise ValueError("give --images or --dataset, not both")
            args.dataset = images_dataset(args)
        if args.resume:
            changes = {f.name: given[f.name] for f in fields(TrainConfig) if f.name in given}
            continued = resume.load_run(args.resume, changes, args.data)
            cfg = continued.cfg
            if continued.note:
                print(f"note: {continued.note}", file=sys.stderr)
        else:
            cfg_values = {f.name: getattr(args, f.name) for f in fields(TrainConfig)}
            cfg = TrainConfig(**cfg_values).validate(args.data)
    except (ValueError, CheckpointError, CollectionError, reading.DataError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    out = Path(args.out) if args.out else default_out(cfg, args.resume)
    if checkpoint.is_protected(out) and not args.overwrite_pretrained:
        print(f"error: {out} is a shipped pretrained model; pass --overwrite-pretrained "
              "to replace it on purpose", file=sys.stderr)
        return 2

    if cfg.threads:  # torch's thread count is the process's: set once, before training
        torch.set_num_threads(cfg.threads)
    stop = threading.Event()

    def on_sigint(signum, frame):  # first Ctrl-C: stop and save; second: abort
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        tqdm.write("Stopping after this step and saving (Ctrl-C again to abort) ...",
                   file=sys.stderr)

    previous = signal.signal(signal.SIGINT, on_sigint)
    bar = None

    def report(event) -> None:
        nonlocal bar
        if isinstance(event, StepMetrics):
            if bar is None:
                bar = tqdm(total=event.total_steps, initial=event.step - 1, unit="step",
                           disable=args.quiet, dynamic_ncols=True)
            bar.update(1)
            bar.set_postfix(epoch=event.epoch, loss=f"{event.loss:.1f}",
                            recon=f"{event.recon:.1f}", kl=f"{event.kl:.2f}", refresh=False)
        elif isinstance(event, Rollback):
            tqdm.write(f"step {event.step}: the loss spiked to {event.loss:.3g}; rolled back "
                       f"to the last good weights, learning rate x{event.lr_scale:g}",
                       file=sys.stderr)
        elif isinstance(event, EpochMetrics):
            tqdm.write(f"epoch {event.epoch:3d}  test ELBO {event.test_elbo:8.2f} nats  "
                       f"(recon {event.test_recon:.2f}, KL {event.test_kl:.2f})"
                       + ("  [partial epoch]" if event.partial else ""), file=sys.stderr)

    try:
        outcome = runner.run(cfg, continued, stop=stop, on_event=report, root=args.data)
    except (reading.DataError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    finally:
        if bar is not None:
            bar.close()
        signal.signal(signal.SIGINT, previous)
    if outcome.error:
        print(f"error: training diverged: {outcome.error}", file=sys.stderr)

    if not outcome.trained:
        print("Nothing was trained; no checkpoint written.", file=sys.stderr)
        return 1
    extra = {"machine": runner.machine(),
             "command": "python " + shlex.join(["train_cli.py", *(argv or sys.argv[1:])])}
    if args.resume:
        extra["continued_from"] = str(args.resume)
    checkpoint.write(out, outcome.checkpoint(extra), allow_pretrained=args.overwrite_pretrained)
    history = outcome.history
    summary = {"checkpoint": str(out), **history.summary()}
    if args.timelapse and (kept := history_timelapse(history.to_dict())):
        snaps, grids, epochs, labels = kept
        gif = timelapse_gif(snaps, labels, registry.classes(cfg.dataset, args.data), epochs,
                            grids)
        Path(args.timelapse).write_bytes(gif)
        summary["timelapse"] = args.timelapse
    print(json.dumps(summary, indent=2))
    return 1 if outcome.error else 0


if __name__ == "__main__":
    sys.exit(main())
