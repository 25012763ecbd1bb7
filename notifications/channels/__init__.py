"""Delivery channels: one module per way of reaching a shopper (email, SMS), each returning a `SendResult`."""
