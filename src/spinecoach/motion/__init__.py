"""Motion analysis core: keypoints and orientations to angles, repetitions, holds and form.

NumPy/SciPy only; no file, video or network I/O.
"""
