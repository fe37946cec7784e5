"""Surface EMG plug-in: lumbar erector spinae activity, left and right.

Band-pass, rectification, RMS envelope normalised to a reference contraction, left/right
symmetry, relax cues during stretch holds, and the flexion-relaxation ratio beside an IMU or
the camera. See docs/sensor-plugins.md.
"""
