"""Helpers of train.py, the LabelTune job runner (written into each job folder by `labeltune job export`)."""
