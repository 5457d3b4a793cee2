"""mofkg's Flask front end: a thin layer over :mod:`graphstore`."""
