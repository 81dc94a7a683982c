"""rtnova-status: is this host ready for real-time guests?"""
