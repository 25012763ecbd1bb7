"""Getting orders and shipments in: validation models and the services that store them."""
