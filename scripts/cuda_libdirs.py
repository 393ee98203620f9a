#!/usr/bin/env python3
"""Print the folders nvcc links the CUDA libraries from, one per line.

chase.pc names cudart, cuBLAS and cuDNN for users who link with c++, not nvcc;
toolkits differ in where they keep them (lib64, lib, targets/<arch>/lib), so the
folders come from nvcc itself: the LIBRARIES line of `nvcc --dryrun`, real paths,
the stubs folder (link-time stand-ins, never for running) left out.
Usage: cuda_libdirs.py NVCC
"""
import os
import re
import subprocess
import sys

dryrun = subprocess.run(
    [sys.argv[1], "--dryrun", "-x", "cu", "-c", os.devnull, "-o", os.devnull],
    capture_output=True, text=True, check=True)
lines = [line for line in (dryrun.stdout + dryrun.stderr).splitlines() if "LIBRARIES=" in line]
if not lines:
    sys.exit(f"cuda_libdirs.py: `{sys.argv[1]} --dryrun` printed no LIBRARIES line")
folders = [os.path.realpath(d) for d in re.findall(r'-L"?([^" ]+)', lines[0])]
for folder in dict.fromkeys(folders):
    if os.path.isdir(folder) and os.path.basename(folder) != "stubs":
        print(folder)
