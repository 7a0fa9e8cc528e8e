var data = {{ jsonEncode(count) }};


	console.log(   data   );
