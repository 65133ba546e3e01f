"""Routes of the queue page: HTML pages, the JSON API, and the crops a held task shows."""
