"""nav.my_request: placeholder until its feature lands."""

from booking.ui.common import placeholder

placeholder("nav.my_request")
