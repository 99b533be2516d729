"""Documents of a case: upload validation before anything is encrypted or stored."""
