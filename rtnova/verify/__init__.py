"""rtnova-verify: compare a running guest's threads with its XML."""
