"""What the browser page is sent and runs: the networks as data, the bundle file, what is
prepared once per model (prepared), the share file, and the page's JavaScript (web/)."""
