"""The course as a wheel: run from a folder outside the checkout, with the wheel installed (``pip install .``).

Lessons 05 and 08 must find their shipped checkpoints, metadata and training logs inside the installed package, and
the Shakespeare texts and the Korean font in their packages; each checkpoint must score what its metadata recorded
(lesson 08's on the validation slice, lesson 05's T = 1000 adding LSTM on its recorded test draw). Usage: python wheel_check.py CHECKOUT (scripts/compat_colab.sh runs it).
"""
from __future__ import annotations

import sys
from pathlib import Path


def main(checkout: Path) -> None:
    here = Path.cwd().resolve()
    assert here != checkout and checkout not in here.parents, f"run this outside the checkout, not in {here}"
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != checkout]

    import torch

    import rnncourse as rc
    from rnncourse import charlm, long_lag

    package = Path(rc.__file__).resolve().parent
    assert package != checkout / "rnncourse" and package.parent.name == "site-packages", \
        f"rnncourse came from {package}, not from the installed wheel"
    for name in ("charlm_shakespeare.pt", "charlm_shakespeare.json", "charlm_shakespeare.log",
                 "adding1000_lstm.pt", "adding1000_lstm.json", "adding1000_lstm.log"):
        assert Path(str(charlm.data_path(name))).is_file(), f"{name} is missing from the installed package"

    model, vocab, meta = charlm.load_checkpoint()
    log = charlm.load_log()
    assert log and log[-1]["step"] <= meta["recipe"]["steps"], "the training log does not match the checkpoint"
    corpus = charlm.load_corpus()
    assert len(corpus) == meta["corpus_chars"] and vocab.chars == charlm.Vocab.from_text(corpus).chars
    _, val_ids = charlm.split(vocab.encode(corpus), meta["split"]["val_fraction"])
    ev = meta["evaluation"]
    torch.set_num_threads(1)
    loss = charlm.evaluate(model, val_ids, batch_size=ev["batch_size"], seq_len=ev["seq_len"],
                           max_chars=ev["slice_chars"])
    assert abs(loss - meta["val_loss_slice"]) < 0.01, f"validation slice loss {loss:.4f} != {meta['val_loss_slice']:.4f}"
    adding, meta1000 = long_lag.load_adding1000()
    test = meta1000["test"]
    mse1000 = long_lag.adding_mse(adding, test["length"], size=test["size"], seed=test["seed"])
    assert abs(mse1000 - meta1000["test_mse"]) < 1e-3 * meta1000["test_mse"], \
        f"T = 1000 adding LSTM: test MSE {mse1000:.6f} != recorded {meta1000['test_mse']:.6f}"
    assert rc.use_korean_font()
    sample = charlm.generate(model, vocab, "ROMEO.\n", length=40, temperature=0.8, seed=0)
    print(f"wheel ok: rnncourse {rc.__version__} from {package}; "
          f"checkpoint val slice {loss:.4f} nats/char (recorded {meta['val_loss_slice']:.4f}); "
          f"{len(log)} log rows; T = 1000 adding LSTM test MSE {mse1000:.4f}; sample {sample[:40]!r}")


if __name__ == "__main__":
    main(Path(sys.argv[1]).resolve())
