"""Console data services: the product catalogue and its CSV import, recommendation rules, shipment search and
detail, shopper requests and survey answers. Every function is scoped by the signed-in merchant."""
