"""Personal data handling: find and mask PII before anything is learned or logged."""

from kefu.privacy.pii import find_pii, has_pii, mask_pii

__all__ = ["find_pii", "has_pii", "mask_pii"]
