"""The directory: organisations, services, locations, search, geocoding, interop."""
