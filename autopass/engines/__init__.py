"""Recognition engines behind one narrow interface each, chosen by settings, loaded once."""
