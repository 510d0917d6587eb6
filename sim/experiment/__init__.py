"""Running experiments (``runner``) and writing their results folder (``outputs``)."""
