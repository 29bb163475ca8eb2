"""Download the chapter's data sets into datasets/cache (or $CH3_DATA_DIR) and check them by MD5.

Usage (from the repository root):
    python datasets/get_datasets.py {cifar10,mnist,fashion-mnist,all}

A data set already on this machine is verified, not downloaded again. Messages are in the release's language
(its .chapter3-release marker; $CH3_LANG otherwise). Fashion-MNIST from Debian's
dataset-fashion-mnist package is used where it is installed. The loaders in utils/data_utils/ do the work.
"""
import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # so `utils` imports when run as a script

from utils import data_utils  # noqa: E402
from utils.language import in_language  # noqa: E402


def main(argv=None):
    """Download the named data sets; returns the exit status (0 when all are ready, 1 otherwise)."""
    say = in_language
    parser = argparse.ArgumentParser(description=say("下载本章的数据集并用 MD5 校验。",
                                                     "Download and verify the chapter's data sets."))
    parser.add_argument("dataset", choices=[*data_utils.DATASETS, "all"],
                        help=say("要获取的数据集", "which data set to get"))
    args = parser.parse_args(argv)
    names = data_utils.DATASETS if args.dataset == "all" else (args.dataset,)
    status = 0
    for name in names:
        try:
            folder = data_utils.download_dataset(name)
        except data_utils.DataError as err:
            print(say(f"{data_utils.TITLES[name]}：失败：{err}", f"{data_utils.TITLES[name]}: FAILED: {err}"),
                  file=sys.stderr)
            status = 1
            continue
        print(say(f"{data_utils.TITLES[name]}：已就绪，在 {data_utils.display_path(folder)}",
                  f"{data_utils.TITLES[name]}: ready in {data_utils.display_path(folder)}"))
    return status


if __name__ == "__main__":
    sys.exit(main())
