"""The web page: Flask app factory and blueprints (the only Flask user), served by waitress."""
