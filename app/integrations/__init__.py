"""Integrations: Shopify webhooks, CSV import and outbound webhooks to the merchant's systems."""
