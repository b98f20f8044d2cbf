"""The patient portal's pages (``/portal``): for patients and their proxies, on a phone."""
