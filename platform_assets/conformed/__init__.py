"""The conformed layer: every source's orders, lines, refunds, customers, products and locations in one
platform-neutral shape, each row keyed by its platform."""
