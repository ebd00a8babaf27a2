"""Your own documents, searched on this device: collections of files → index → passages."""
