"""Time ``python -m grading similarity`` on a synthetic class, and what the candidate tools score.

    .venv/bin/python bench/similarity.py                      # 300 students, copydetect (what the verb uses)
    .venv/bin/python bench/similarity.py --students 60
    .venv/bin/python bench/similarity.py --compare50 PYTHON   # also time compare50 installed in another venv
    .venv/bin/python bench/similarity.py --dolos DIR          # also Dolos: DIR has node_modules/@dodona/dolos-lib

The class: every student has the release's stubs; each of the 8 modules is finished with probability 0.7. A
finished layers.py takes each function's body from one of three independent authors (the reference, Alice, Dave
of grading.demo_authors), with every local name of Alice's renamed in half of the students; other finished modules
are the reference's. Every finished file starts with a comment naming its student, so no two files are identical
(no tool can save work on duplicates) while copies are everywhere (as in a class where a few solutions
circulate): the expensive case for every tool, as many pairs share code and their matches have to be located.

Besides the time, it prints each tool's scores for the pairs of the demo's four authors: copies (Alice with the
student who copied her softmax_loss, with her renamed copy) against independent pairs (Alice, Dave, the
reference), the numbers bench/README.md quotes.
"""
import argparse
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from grading import demo, demo_authors  # noqa: E402
from grading.publish import similarity  # noqa: E402

AUTHORS = ("reference", "alice", "dave")


def reference_bodies(text):
    """{function: body} of the reference's top-level solution regions."""
    out = {}
    for m in re.finditer(r"\ndef (\w+)\(.*?### BEGIN SOLUTION\n(.*?)    ### END SOLUTION", text, re.S):
        out[m.group(1)] = m.group(2)
    return out


def synthetic_class(dest, n, seed=0):
    rng = random.Random(seed)
    stubs, ref = demo.stub_sources(), demo.reference_sources()
    bodies = {"reference": reference_bodies(ref["layers.py"]), "alice": demo_authors.ALICE,
              "dave": demo_authors.DAVE}
    for i in range(n):
        folder = dest / f"student{i:03d}" / "classifiers" / "chapter3"
        folder.mkdir(parents=True)
        for name, stub in stubs.items():
            text = stub
            if rng.random() < 0.7:
                if name == "layers.py":
                    alice = demo_authors.renamed(bodies["alice"]) if rng.random() < 0.5 else bodies["alice"]
                    pick = {"reference": bodies["reference"], "alice": alice, "dave": bodies["dave"]}
                    text = demo_authors.fill(stub, {f: pick[rng.choice(AUTHORS)][f] for f in demo_authors.ALICE})
                else:
                    text = ref[name]
                # every finished file distinct (as in a real class), so no tool saves work on identical files;
                # comments are not code to any of the tools
                text = f"# student{i:03d}\n" + text
            (folder / name).write_text(text, encoding="utf-8")


def four_authors(dest):
    """The demo's four authors plus the reference, each with only layers.py finished."""
    ref = demo.reference_sources()
    students = {sid: files[f"{demo.MODULE_DIR}/layers.py"] for sid, files in demo.authors(ref, b"").items()}
    students["reference"] = ref["layers.py"]
    stubs = demo.stub_sources()
    for sid, text in students.items():
        folder = dest / sid / "classifiers" / "chapter3"
        folder.mkdir(parents=True)
        for name, stub in stubs.items():
            (folder / name).write_text(text if name == "layers.py" else stub, encoding="utf-8")


def copydetect_scores(dest):
    pairs = similarity.compare(similarity.student_files(dest, dest.parent / "work"))
    return {(p.a.owner, p.b.owner): p.similarity for p in pairs}


def compare50(python, dest, out):
    """(seconds, {(a, b): score}) of compare50 (its own venv) on the class in ``dest``."""
    import json
    import os

    start = time.perf_counter()
    # compare50's own launcher fixes the hash seed (its fingerprints use hash()); so does this call
    subprocess.run([python, "-m", "compare50", *sorted(map(str, dest.iterdir())), "-d",
                    *map(str, sorted((similarity.STUB_PACKAGE / "chapter3").glob("*.py"))), "-o", str(out),
                    "-n", "50"], check=True, capture_output=True, env={**os.environ, "PYTHONHASHSEED": "50"})
    seconds = time.perf_counter() - start
    graph = re.search(r"GRAPH = (\{.*?\});\n", (out / "index.html").read_text(encoding="utf-8"), re.S)
    links = json.loads(graph.group(1))["links"] if graph else []
    return seconds, {tuple(sorted((Path(x["source"]).name, Path(x["target"]).name))): x["value"] for x in links}


DOLOS_SCRIPT = """
import { Dolos } from "@dodona/dolos-lib";
import fs from "node:fs";
import path from "node:path";
const [classDir, stubDir] = process.argv.slice(2);
const out = [];
for (const m of fs.readdirSync(stubDir).filter(f => f.endsWith(".py") && f !== "__init__.py")) {
  const stub = fs.readFileSync(path.join(stubDir, m), "utf8").trim();
  const paths = fs.readdirSync(classDir).map(s => path.join(classDir, s, "classifiers/chapter3", m))
    .filter(p => fs.existsSync(p) && fs.readFileSync(p, "utf8").trim() !== stub);
  if (paths.length < 2) continue;
  const report = await new Dolos({ language: "python" }).analyzePaths(paths, path.join(stubDir, m));
  for (const pair of report.allPairs()) {
    out.push([m, pair.leftFile.path.split("/").at(-4), pair.rightFile.path.split("/").at(-4), pair.similarity]);
  }
}
console.log(JSON.stringify(out));
"""


def dolos(folder, dest):
    """(seconds, {(a, b): similarity of layers.py}) of Dolos's library (one run per module, the stub ignored)."""
    import json

    script = Path(folder) / "bench_similarity.mjs"
    script.write_text(DOLOS_SCRIPT, encoding="utf-8")
    start = time.perf_counter()
    done = subprocess.run(["node", str(script), str(dest), str(similarity.STUB_PACKAGE / "chapter3")], check=True,
                          capture_output=True, text=True, cwd=folder)
    seconds = time.perf_counter() - start
    script.unlink()
    return seconds, {tuple(sorted((a, b))): sim for m, a, b, sim in json.loads(done.stdout) if m == "layers.py"}


def show_scores(name, scores):
    key = lambda a, b: scores.get((a, b), scores.get((b, a), 0.0))  # noqa: E731
    copies = {"copied softmax_loss": key("s14_alice", "s15_copied_function"),
              "renamed copy": key("s14_alice", "s16_renamed_copy")}
    independent = {f"{a} / {b}": key(a, b) for a, b in [("s14_alice", "s17_independent"),
                                                        ("reference", "s14_alice"), ("reference", "s17_independent")]}
    print(f"{name}: " + ", ".join(f"{k} {v:.2f}" for k, v in {**copies, **independent}.items()))
    print(f"  weakest copy / strongest independent pair: {min(copies.values()) / max(independent.values()):.1f}x")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--students", type=int, default=300)
    ap.add_argument("--compare50", metavar="PYTHON", help="python of a venv with compare50 installed")
    ap.add_argument("--dolos", metavar="DIR", help="folder where `npm install @dodona/dolos-lib` ran")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-similarity-") as tmp:
        tmp = Path(tmp)
        four_authors(tmp / "authors")
        show_scores("copydetect", copydetect_scores(tmp / "authors"))
        if args.compare50:
            show_scores("compare50 (relative scores, top pair = 10)",
                        compare50(args.compare50, tmp / "authors", tmp / "c50-authors")[1])
        if args.dolos:
            show_scores("dolos", dolos(args.dolos, tmp / "authors")[1])
        synthetic_class(tmp / "class", args.students)
        start = time.perf_counter()
        pairs = similarity.run(tmp / "class", tmp / "out", lang="en", progress=False)
        seconds = time.perf_counter() - start
        print(f"copydetect via `python -m grading similarity`: {args.students} students, {len(pairs)} pairs with "
              f"shared code, {seconds:.1f} s (page {(tmp / 'out' / 'index.html').stat().st_size / 1e6:.1f} MB)")
        if args.compare50:
            c50_seconds, _ = compare50(args.compare50, tmp / "class", tmp / "c50")
            size = sum(p.stat().st_size for p in (tmp / "c50").iterdir()) / 1e6
            print(f"compare50: {args.students} students, {c50_seconds:.1f} s (50 matches, {size:.0f} MB of pages)")
        if args.dolos:
            print(f"dolos: {args.students} students, {dolos(args.dolos, tmp / 'class')[0]:.1f} s (pairs only, no page)")
        shutil.rmtree(tmp / "class")


if __name__ == "__main__":
    main()
