"""The reception pipeline: one buyer message in, one outcome out."""
