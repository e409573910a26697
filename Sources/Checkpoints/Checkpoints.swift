// The Checkpoints target; its types live one per file in this folder.
