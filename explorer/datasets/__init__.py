"""Datasets: which there are (registry), getting their files (provision, idx_files), reading
them as tensors (reading), and datasets made from your own pictures: the archive read
safely (archive), its pictures preprocessed in worker processes (picture_pool), hashed
(fingerprint), split (holdout) and stored (custom_folder), all driven by collection."""
