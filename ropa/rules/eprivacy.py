"""Electronic communications: location and traffic data under the ePrivacy Directive."""
