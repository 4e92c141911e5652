"""Wall time of `symnn verify --all` (the issue's goal: the whole catalogue in under 10 s), median of 3 runs."""

import statistics
import subprocess
import sys
import time


def main() -> None:
    times = []
    for _ in range(3):
        start = time.perf_counter()
        r = subprocess.run([sys.executable, "-m", "symnn", "verify", "--all"], capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        if r.returncode != 0:
            sys.exit(f"symnn verify --all exited {r.returncode}:\n{r.stdout}{r.stderr}")
    summary = r.stdout.strip().splitlines()[-1]
    print(f"symnn verify --all: median {statistics.median(times):.2f} s over 3 runs (goal < 10 s); {summary}")


if __name__ == "__main__":
    main()
